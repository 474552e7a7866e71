#include "daemon/checker_channel.hpp"

#include <boost/asio/write.hpp>

namespace tandem::daemon {

CheckerChannel::CheckerChannel(boost::asio::io_context& io, int fd, OnMessage on_message, OnClosed on_closed)
    : socket_(io), on_message_(std::move(on_message)), on_closed_(std::move(on_closed)), chunk_(64 * 1024) {
  socket_.assign(boost::asio::local::stream_protocol(), fd);
}

void CheckerChannel::start() { read(); }

void CheckerChannel::read() {
  socket_.async_read_some(boost::asio::buffer(chunk_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                            if (self->closed_) return;
                            if (ec) return self->fail(ec == boost::asio::error::eof ? "closed" : ec.message());
                            self->in_.insert(self->in_.end(), self->chunk_.begin(),
                                             self->chunk_.begin() + std::ptrdiff_t(n));
                            std::size_t used = 0;
                            while (!self->closed_) {
                              auto d = checker::decode(std::span<const std::uint8_t>(self->in_).subspan(used));
                              if (!d.error.empty()) return self->fail("protocol error: " + d.error);
                              if (!d.message) break;
                              used += d.consumed;
                              self->on_message_(std::move(*d.message));
                            }
                            if (self->closed_) return;
                            self->in_.erase(self->in_.begin(), self->in_.begin() + std::ptrdiff_t(used));
                            self->read();
                          });
}

void CheckerChannel::send(const checker::Message& m) {
  if (closed_) return;
  out_.push_back(checker::encode(m));
  queued_ += out_.back().size();
  if (!writing_) write();
}

void CheckerChannel::write() {
  if (out_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  boost::asio::async_write(socket_, boost::asio::buffer(out_.front()),
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                             if (self->closed_) return;
                             if (ec) return self->fail(ec.message());
                             self->queued_ -= self->out_.front().size();
                             self->out_.pop_front();
                             self->write();
                           });
}

void CheckerChannel::fail(const std::string& why) {
  if (closed_) return;
  auto cb = std::move(on_closed_);
  close();
  if (cb) cb(why);
}

void CheckerChannel::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
  out_.clear();
  queued_ = 0;
  on_message_ = nullptr;
}

}  // namespace tandem::daemon
