// One end of the engine/checker socketpair: frames in, frames out
// (daemon/checker_protocol.hpp). Writes are queued, so a send never blocks
// the loop; a bad frame or a closed peer ends the channel once.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/checker_protocol.hpp"

namespace tandem::daemon {

class CheckerChannel : public std::enable_shared_from_this<CheckerChannel> {
 public:
  using OnMessage = std::function<void(checker::Message)>;
  using OnClosed = std::function<void(const std::string& why)>;

  // Takes ownership of `fd`.
  CheckerChannel(boost::asio::io_context& io, int fd, OnMessage on_message, OnClosed on_closed);
  void start();
  void send(const checker::Message& m);
  // No callback runs after close().
  void close();
  bool open() const { return socket_.is_open(); }
  std::size_t queued_bytes() const { return queued_; }

 private:
  void read();
  void write();
  void fail(const std::string& why);

  boost::asio::local::stream_protocol::socket socket_;
  OnMessage on_message_;
  OnClosed on_closed_;
  std::vector<std::uint8_t> in_;
  std::vector<std::uint8_t> chunk_;
  std::deque<std::vector<std::uint8_t>> out_;
  std::size_t queued_ = 0;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace tandem::daemon
