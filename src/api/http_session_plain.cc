// The HTTP session and WebSocket connection over plain TCP.
#include "api/http_session.h"

namespace quanyu::api::internal {

void StartPlainSession(std::shared_ptr<Shared> shared, tcp::socket socket) {
  auto session = std::make_shared<Session<PlainStream>>(shared, std::move(socket));
  Launch(shared, std::move(session));
}

}  // namespace quanyu::api::internal
