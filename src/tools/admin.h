// `quanyu admin`: accounts on a data directory, for the first administrator and for operators
// without the web API at hand. Runs with the data directory locked (not beside a running
// server: use the API then). Secrets are printed once and never stored.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "govern/accounts.h"

namespace quanyu::tools {

struct AdminCommand {
  std::string data_dir = "./data";
  // "init", "user add", "user disable", "user enable", "user reset", "device add",
  // "device revoke", "agency add", "users", "devices", "agencies".
  std::string action;
  std::string id;                       // user, device or agency id (for init: the administrator's)
  std::string name;                     // display name, device or agency name
  std::string role;                     // user add
  std::string agency;                   // user/device add; agency add: parent
  std::string agency_kind;              // agency add, init
  std::string agency_name;              // init
  std::string agency_id;                // init
  std::vector<std::string> districts;   // user add: district scope
  std::string scope = "all";            // user add
  std::vector<std::string> allowed;     // device add
  std::optional<std::string> password;  // from stdin when set; else generated
  govern::AuthOptions auth;
};

// Runs one admin command; prints results to out and errors to err. Returns the exit code
// (0 done, 1 refused or failed, 2 bad arguments).
int RunAdmin(const AdminCommand& cmd, std::FILE* out, std::FILE* err);

// Reads one line from stdin (a password given with --password-stdin), without the newline.
std::string ReadSecretLine();

}  // namespace quanyu::tools
