// QUANYU_ASAN is 1 in a build with AddressSanitizer (GCC's -fsanitize=address defines
// __SANITIZE_ADDRESS__; Clang answers __has_feature), else 0. Tests use it to scale down
// brute-force work that runs many times slower unoptimised and instrumented.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define QUANYU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QUANYU_ASAN 1
#endif
#endif
#ifndef QUANYU_ASAN
#define QUANYU_ASAN 0
#endif
