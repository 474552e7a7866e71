// The control socket (docs/control-protocol.md): a Unix stream socket that
// answers one request per connection. Runs on the io_context thread.
#pragma once
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <functional>
#include <optional>
#include <string>

#include "daemon/control_protocol.hpp"

namespace tandem::daemon {

class ControlServer {
 public:
  // Answers a command by calling the responder, at once or later (a
  // reload waits for the checker); the connection waits for it.
  using Responder = std::function<void(Reply)>;
  using Handler = std::function<void(Request, Responder)>;

  ControlServer(boost::asio::io_context& io, std::string path, Handler handler);
  ~ControlServer();
  // Creates the socket (mode 0600, parent directory if missing) and starts
  // accepting; the reason on failure.
  std::optional<std::string> start();
  void stop();

 private:
  boost::asio::io_context& io_;
  std::string path_;
  Handler handler_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
};

}  // namespace tandem::daemon
