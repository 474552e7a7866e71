#include "daemon/control_server.hpp"

#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "daemon/log.hpp"

namespace tandem::daemon {
namespace asio = boost::asio;
using asio::local::stream_protocol;

namespace {

// The user on the other end of the socket ("root"; "uid 1000" without a
// name), for what tandemctl drain|disable|enable records.
std::string peer_user(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return "unknown";
  passwd pw{};
  passwd* found = nullptr;
  std::array<char, 1024> buf{};
  if (::getpwuid_r(cred.uid, &pw, buf.data(), buf.size(), &found) == 0 && found && found->pw_name)
    return found->pw_name;
  return "uid" + std::to_string(cred.uid);
}

asio::awaitable<void> serve(std::shared_ptr<stream_protocol::socket> sock, ControlServer::Handler* handler) {
  boost::system::error_code ec;
  asio::streambuf buf(4096);
  // A client that sends nothing for 5 s is dropped.
  asio::steady_timer guard(sock->get_executor(), std::chrono::seconds(5));
  guard.async_wait([sock](boost::system::error_code e) {
    if (!e) {
      boost::system::error_code ignored;
      sock->close(ignored);
    }
  });
  std::size_t n = co_await asio::async_read_until(*sock, buf, '\n', asio::redirect_error(asio::use_awaitable, ec));
  guard.cancel();
  if (ec) co_return;
  std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + std::ptrdiff_t(n));
  line.pop_back();
  Reply reply;
  if (auto cmd = parse_request(line)) {
    cmd->client = peer_user(sock->native_handle());
    auto answer = std::make_shared<std::optional<Reply>>();
    auto ready = std::make_shared<asio::steady_timer>(sock->get_executor(), asio::steady_timer::time_point::max());
    (*handler)(*cmd, [answer, ready](Reply r) {
      *answer = std::move(r);
      ready->cancel();
    });
    if (!*answer) co_await ready->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    reply = answer->value_or(Reply{false, "no answer"});
  } else {
    reply = Reply{false, "unknown request \"" + line.substr(0, 64) + "\""};
  }
  // "ok\n" and the body go out as they are (a status body is megabytes).
  std::string head = reply.ok ? std::string("ok\n") : format_reply(reply);
  if (!reply.ok) reply.body.clear();
  const std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(reply.body)};
  co_await asio::async_write(*sock, out, asio::redirect_error(asio::use_awaitable, ec));
  sock->shutdown(stream_protocol::socket::shutdown_both, ec);
}

asio::awaitable<void> accept_loop(stream_protocol::acceptor* acceptor, ControlServer::Handler* handler) {
  while (acceptor->is_open()) {
    boost::system::error_code ec;
    auto sock = std::make_shared<stream_protocol::socket>(acceptor->get_executor());
    co_await acceptor->async_accept(*sock, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      log(log_warning, "control socket: accept: " + ec.message());
      continue;
    }
    asio::co_spawn(acceptor->get_executor(), serve(sock, handler), asio::detached);
  }
}

}  // namespace

ControlServer::ControlServer(asio::io_context& io, std::string path, Handler handler)
    : io_(io), path_(std::move(path)), handler_(std::move(handler)), acceptor_(io) {}

ControlServer::~ControlServer() { stop(); }

std::optional<std::string> ControlServer::start() {
  std::filesystem::path p(path_);
  std::error_code fec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), fec);
  if (fec) return "control socket " + path_ + ": " + fec.message();
  // A socket file left by a previous run is replaced; anything else is not.
  struct stat st{};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return "control socket " + path_ + ": exists and is not a socket";
    ::unlink(path_.c_str());
  }
  boost::system::error_code ec;
  acceptor_.open(stream_protocol(), ec);
  if (!ec) {
    mode_t old = ::umask(077);
    acceptor_.bind(stream_protocol::endpoint(path_), ec);
    ::umask(old);
  }
  if (!ec) acceptor_.listen(16, ec);
  if (ec) return "control socket " + path_ + ": " + ec.message();
  ::chmod(path_.c_str(), 0600);
  asio::co_spawn(io_, accept_loop(&acceptor_, &handler_), asio::detached);
  return std::nullopt;
}

void ControlServer::stop() {
  if (!acceptor_.is_open()) return;
  boost::system::error_code ec;
  acceptor_.close(ec);
  ::unlink(path_.c_str());
}

}  // namespace tandem::daemon
