// Prints how long the pure IPVS core takes on a table of 2,000 services x 4
// destinations: reconcile from empty, reconcile after one weight change, and
// apply_to (the cached view update). Median of 21 runs each.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "ipvs/reconcile.hpp"

using namespace tandem::ipvs;

namespace {

Table make_table(int services, int dests) {
  Table t;
  for (int i = 0; i < services; ++i) {
    ServiceEntry e;
    e.service.key.af = AF_INET;
    e.service.key.protocol = IPPROTO_TCP;
    e.service.key.address.family = AF_INET;
    e.service.key.address.bytes = {10, 1, std::uint8_t(i >> 8), std::uint8_t(i), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    e.service.key.port = 80;
    e.service.netmask = 0xffffffffu;
    for (int d = 0; d < dests; ++d) {
      Destination x;
      x.key.address.family = AF_INET;
      x.key.address.bytes = {10, 2, std::uint8_t(i >> 8), std::uint8_t(i), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
      x.key.address.bytes[3] = std::uint8_t(d + 1);
      x.key.port = 80;
      e.service.key.address.bytes[3] = std::uint8_t(i);
      e.dests.push_back(x);
    }
    t.push_back(std::move(e));
  }
  std::sort(t.begin(), t.end(), [](const ServiceEntry& a, const ServiceEntry& b) { return a.service.key < b.service.key; });
  return t;
}

template <class F>
double median_ms(F f) {
  std::vector<double> runs;
  for (int i = 0; i < 21; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    runs.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

}  // namespace

int main() {
  const Table full = make_table(2000, 4);
  Table changed = full;
  changed[1234].dests[2].weight = 7;
  std::size_t n = 0;
  double from_empty = median_ms([&] { n = reconcile(full, {}, {}).size(); });
  std::printf("reconcile 2000x4 from empty:          %8.2f ms (%zu operations)\n", from_empty, n);
  double one = median_ms([&] { n = reconcile(changed, full, {}).size(); });
  std::printf("reconcile 2000x4, one weight changed: %8.2f ms (%zu operation)\n", one, n);
  auto ops = reconcile(changed, full, {});
  double upd = median_ms([&] { n = apply_to(full, ops).size(); });
  std::printf("apply_to 2000x4, one operation:       %8.2f ms\n", upd);
  return 0;
}
