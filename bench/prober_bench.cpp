// The probers on the host, natively: N real servers (an http_farm on
// 127.0.0.1:FIRST..FIRST+N-1) checked every interval with the http check of
// the health benchmark (GET /, receive "Working F[a-z]+", timeout 500 ms),
// scheduled as tandemd schedules them (random warmup, 10 ms ticks, at most
// 1024 in flight). Prints the CPU time the checking took (this process:
// user + system), per probe and as a share of one core, and the probe
// latency p50/p99. Not a test: figures for docs/benchmarks.md.
//
//   build/bench/http_farm --count 2000 &
//   build/bench/prober_bench --count 2000 --seconds 30
#include <utility>  // before Asio (Boost 1.74 with g++ 12)

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "health/board.hpp"
#include "health/prober.hpp"
#include "health/schedule.hpp"

using namespace tandem;
using namespace std::chrono;

namespace {

double cpu_seconds(const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; }

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  int count = 2000, first_port = 20000, seconds = 30, warmup = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (a == "--count") count = v;
    else if (a == "--first-port") first_port = v;
    else if (a == "--seconds") seconds = v;
    else if (a == "--warmup") warmup = v;
    else {
      std::fprintf(stderr, "usage: %s [--count N] [--first-port P] [--seconds S] [--warmup S]\n", argv[0]);
      return 2;
    }
  }
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  config::VirtualServer vs;
  vs.address = config::Endpoint{*config::IpAddress::parse("10.100.0.1"), 80};
  vs.family = 2;
  config::Check check;
  check.type = config::Check::Type::http;
  check.receive = "Working F[a-z]+";
  vs.check = check;
  for (int i = 0; i < count; ++i) {
    config::RealServer r;
    r.address = *config::IpAddress::parse("127.0.0.1");
    r.port = static_cast<std::uint16_t>(first_port + i);
    vs.reals.push_back(r);
  }
  auto built = health::HealthBoard::make({vs});
  if (!built.errors.empty()) {
    std::fprintf(stderr, "%s\n", built.errors.front().c_str());
    return 1;
  }
  const auto& entries = built.board.entries();

  boost::asio::io_context io;
  health::Prober prober(io);
  health::ProbeSchedule schedule(1024);
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> fraction(0.0, 1.0);
  const auto t0 = steady_clock::now();
  for (int i = 0; i < count; ++i) schedule.add(1000ms, t0 + health::warmup_delay(1000ms, fraction(random)));

  bool measuring = false;
  long ok = 0, failed = 0;
  std::string a_failure;
  std::vector<double> latency_ms;
  boost::asio::steady_timer tick(io);
  std::optional<steady_clock::time_point> armed;
  std::function<void()> arm;
  auto run_due = [&] {
    const auto now = steady_clock::now();
    for (const std::size_t id : schedule.take_due(now)) {
      prober.start(
          *entries[id].spec,
          [&, id](health::ProbeResult r) {
            schedule.finished(id);
            if (measuring) {
              (r.ok ? ok : failed)++;
              if (!r.ok && a_failure.empty()) a_failure = r.detail;
              latency_ms.push_back(double(r.latency.count()) / 1000.0);
            }
            arm();
          },
          now);
    }
    arm();
  };
  arm = [&] {
    const auto due = schedule.next_deadline();
    if (!due) return;
    const auto at = health::align_up(*due, 10ms);
    if (armed && *armed == at) return;
    armed = at;
    tick.expires_at(at);
    tick.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      armed.reset();
      run_due();
    });
  };
  arm();

  rusage before{};
  boost::asio::steady_timer phase(io);
  phase.expires_after(std::chrono::seconds(warmup));
  phase.async_wait([&](boost::system::error_code) {
    getrusage(RUSAGE_SELF, &before);
    measuring = true;
    phase.expires_after(std::chrono::seconds(seconds));
    phase.async_wait([&](boost::system::error_code) { io.stop(); });
  });
  io.run();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);

  const double user = cpu_seconds(after.ru_utime) - cpu_seconds(before.ru_utime);
  const double sys = cpu_seconds(after.ru_stime) - cpu_seconds(before.ru_stime);
  const long probes = ok + failed;
  std::printf("prober on the host: %d real servers on 127.0.0.1:%d-%d, http GET / every 1 s, receive regex, timeout 500 ms\n",
              count, first_port, first_port + count - 1);
  std::printf("  %d s: %ld probes (%.0f/s), %ld failed%s%s\n", seconds, probes, double(probes) / seconds, failed,
              a_failure.empty() ? "" : ", e.g. ", a_failure.c_str());
  std::printf("  CPU: user %.2f s + system %.2f s = %.2f s, %.1f%% of one core, %.1f us per probe\n", user, sys,
              user + sys, 100.0 * (user + sys) / seconds, probes ? 1e6 * (user + sys) / double(probes) : 0.0);
  std::vector<double> sorted = latency_ms;
  const double p50 = percentile(sorted, 0.50), p99 = percentile(sorted, 0.99);
  std::printf("  probe latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", p50, p99, sorted.empty() ? 0.0 : sorted.back());
  return failed == 0 ? 0 : 1;
}
