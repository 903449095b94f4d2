// The HTTP session and WebSocket connection over TLS.
#include "api/http_session.h"

namespace quanyu::api::internal {

void StartTlsSession(std::shared_ptr<Shared> shared, tcp::socket socket) {
  auto session = std::make_shared<Session<TlsStream>>(shared, std::move(socket), *shared->tls);
  Launch(shared, std::move(session));
}

}  // namespace quanyu::api::internal
