// The [metrics] HTTP listener (Boost.Beast), on the checker's io_context:
// GET and HEAD only, small requests, a few connections at a time, each
// with a deadline, so a scrape or a slow client costs the checker's loop
// and never the engine's. What each path serves is the handler's.
#pragma once
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace tandem::daemon {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpListener {
 public:
  // `handle` gets the request target ("/metrics?x=1" as sent).
  using Handler = std::function<HttpResponse(const std::string& target)>;
  HttpListener(boost::asio::io_context& io, Handler handle);
  ~HttpListener();

  // Serves on `at` from now on (a listener already open elsewhere is
  // closed once the new one is bound); the reason when it cannot bind.
  std::optional<std::string> listen(const config::Endpoint& at);
  // Stops accepting; connections in progress end at their deadline.
  void close();
  std::optional<config::Endpoint> endpoint() const { return at_; }

  struct State;  // the acceptor and the handler, shared with the connections

 private:
  std::shared_ptr<State> state_;
  std::optional<config::Endpoint> at_;
};

}  // namespace tandem::daemon
