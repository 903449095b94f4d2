// The TLS side shared by the HTTP and WebSocket clients: the client context (TLS 1.2 or later,
// peer verification against the system's store or a CA file) and the per-connection set-up
// (SNI for names, host name verification unless told to skip it).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <string>

#include "api/http_client.h"
#include "core/status.h"

namespace quanyu::api {

// The context for `options`; an unreadable tls_ca_file is named as the field.
StatusOr<boost::asio::ssl::context> MakeClientTlsContext(const ClientOptions& options);

// Sets SNI (for names, not addresses) and host name verification on a new client stream.
template <class SslStream>
void PrepareClientTls(SslStream& stream, const std::string& host, const ClientOptions& options) {
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(host, not_ip);
  if (not_ip) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  if (!options.tls_insecure_skip_verify) {
    stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  }
}

}  // namespace quanyu::api
