// Fuzz target: the engine/checker message codec (daemon/checker_protocol.hpp),
// which reads bytes from the socketpair between the two processes, and the
// events a Publish carries (daemon/event_log.hpp): what decodes encodes back
// the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <span>

#include "daemon/checker_protocol.hpp"
#include "daemon/event_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::daemon::checker;
  std::span<const std::uint8_t> rest(data, size);
  while (!rest.empty()) {
    auto d = decode(rest);
    if (!d.message) break;
    if (d.consumed == 0 || d.consumed > rest.size()) std::abort();
    // A frame that decodes encodes to the same bytes.
    auto again = encode(*d.message);
    if (again.size() != d.consumed || !std::equal(again.begin(), again.end(), rest.begin())) std::abort();
    if (const auto* p = std::get_if<Publish>(&*d.message)) {
      const auto events = tandem::daemon::decode_events(p->events);
      const std::deque<tandem::daemon::PageEvent> kept(events.begin(), events.end());
      if (tandem::daemon::decode_events(tandem::daemon::encode_events(kept)) != events) std::abort();
    }
    rest = rest.subspan(d.consumed);
  }
  return 0;
}
