#include "daemon/http_listener.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstring>

#include "daemon/log.hpp"

namespace tandem::daemon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr int kMaxSessions = 16;         // a Prometheus or two and a few browsers
constexpr auto kDeadline = 10s;          // to read a request, or to write a reply
constexpr std::uint32_t kHeaderLimit = 8192;
constexpr std::uint64_t kBodyLimit = 4096;

tcp::endpoint to_asio(const config::Endpoint& e) {
  if (e.address.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), e.address.bytes.data(), 4);
    return {asio::ip::address_v4(b), e.port};
  }
  asio::ip::address_v6::bytes_type b;
  std::memcpy(b.data(), e.address.bytes.data(), 16);
  return {asio::ip::address_v6(b), e.port};
}

}  // namespace

struct HttpListener::State {
  explicit State(asio::io_context& io_, Handler h) : io(io_), handle(std::move(h)) {}
  asio::io_context& io;
  Handler handle;
  std::optional<tcp::acceptor> acceptor;
  int sessions = 0;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpListener::State> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    ++state_->sessions;
  }
  ~Session() { --state_->sessions; }

  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);  // read (and ignored) so that a POST gets its 405
    stream_.expires_after(kDeadline);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec) return shut();
    const auto& req = parser_->get();
    HttpResponse r;
    if (req.method() != http::verb::get) {
      r = HttpResponse{405, "text/plain; charset=utf-8", "only GET is served here\n"};
    } else {
      try {
        r = state_->handle(std::string(req.target()));
      } catch (const std::exception& e) {
        r = HttpResponse{500, "text/plain; charset=utf-8", std::string("error: ") + e.what() + "\n"};
      }
    }
    res_ = {};
    res_.version(req.version());
    res_.result(static_cast<http::status>(r.status));
    res_.set(http::field::server, "tandem");
    res_.set(http::field::content_type, r.content_type);
    res_.set(http::field::cache_control, "no-store");
    if (r.status == 405) res_.set(http::field::allow, "GET");
    res_.keep_alive(req.keep_alive());
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    stream_.expires_after(kDeadline);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->res_.keep_alive()) return self->shut();
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void shut() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kHeaderLimit};
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::shared_ptr<HttpListener::State> state_;
};

void accept(std::shared_ptr<HttpListener::State> state) {
  if (!state->acceptor) return;
  state->acceptor->async_accept([state](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !state->acceptor) return;
    if (!ec) {
      if (state->sessions >= kMaxSessions) {
        beast::error_code ignored;
        socket.close(ignored);  // too many at once: the client retries
      } else {
        std::make_shared<Session>(std::move(socket), state)->read();
      }
    }
    accept(state);
  });
}

}  // namespace

HttpListener::HttpListener(asio::io_context& io, Handler handle)
    : state_(std::make_shared<State>(io, std::move(handle))) {}

HttpListener::~HttpListener() { close(); }

std::optional<std::string> HttpListener::listen(const config::Endpoint& at) {
  if (at_ && *at_ == at && state_->acceptor) return std::nullopt;
  const std::string where = endpoint_text(at.address, at.port);
  tcp::acceptor next(state_->io);
  beast::error_code ec;
  const tcp::endpoint ep = to_asio(at);
  next.open(ep.protocol(), ec);
  if (!ec) next.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && ep.address().is_v6()) next.set_option(asio::ip::v6_only(true), ec);
  if (!ec) next.bind(ep, ec);
  if (!ec) next.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "metrics.listen " + where + ": " + ec.message();
  close();
  state_->acceptor.emplace(std::move(next));
  at_ = at;
  accept(state_);
  log(log_info, "metrics: serving /metrics and the status page on http://" + where + "/");
  return std::nullopt;
}

void HttpListener::close() {
  if (!state_->acceptor) return;
  beast::error_code ignored;
  state_->acceptor->close(ignored);
  state_->acceptor.reset();
  at_.reset();
}

}  // namespace tandem::daemon
