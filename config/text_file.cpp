#include "config/text_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace tandem::config {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_text() { return std::generic_category().message(errno); }

TextFile failure(std::string why) {
  TextFile f;
  f.error = std::move(why);
  return f;
}

}  // namespace

TextFile read_text_file(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK keeps a FIFO from blocking the open; it is rejected below.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return failure(errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return failure(errno_text());
  if (!S_ISREG(st.st_mode)) return failure("not a regular file");
  if (st.st_size > 0 && static_cast<std::size_t>(st.st_size) > max_bytes)
    return failure("file is larger than " + std::to_string(max_bytes) + " bytes");

  TextFile f;
  f.mode = st.st_mode;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure(errno_text());
    }
    if (n == 0) break;
    f.text.append(buf, static_cast<std::size_t>(n));
    if (f.text.size() > max_bytes)
      return failure("file is larger than " + std::to_string(max_bytes) + " bytes");
  }
  f.ok = true;
  return f;
}

}  // namespace tandem::config
