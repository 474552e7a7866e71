// One real server's check, compiled from the configuration into what a
// prober needs: decoded bytes to send, the matcher, the whole HTTP request,
// the argv with its placeholders substituted. Built once per (re)load, so a
// probe does no parsing of its own.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/address.hpp"
#include "config/config.hpp"
#include "health/matcher.hpp"
#include "health/status_codes.hpp"

namespace tandem::health {

enum class ProbeType { tcp, send_expect, http, https, external, udp, none };

struct ProbeSpec {
  ProbeType type = ProbeType::tcp;
  config::IpAddress address;            // the real server
  std::uint16_t port = 0;               // the port probed
  std::chrono::milliseconds interval{1000};  // between the starts of two probes
  std::chrono::milliseconds timeout{500};  // bounds the whole exchange
  std::string send;                     // send-expect (may be empty), udp: decoded bytes
  std::optional<Matcher> expect;        // send-expect, udp: the reply; http(s): the body
  std::string request;                  // http(s): the whole request
  bool head = false;                    // http(s): HEAD, so no body
  StatusSpec status;                    // http(s): the accepted status codes
  std::string server_name;              // https: SNI (empty for an address)
  bool verify_tls = false;              // https: verify the chain and the name
  std::vector<std::string> argv;        // external: argv[0] absolute, placeholders done
  std::size_t max_response = 65536;     // bytes read at most
};

struct ProbeSpecBuild {
  std::optional<ProbeSpec> spec;  // set exactly when error is empty
  std::string error;
};

// The check `real` of `vs` gets (config::check_of); empty spec and empty
// error when the virtual server has no check. Validation has already
// accepted the configuration, so an error here is a bug worth reporting, not
// a user mistake; it is still reported and never thrown.
ProbeSpecBuild make_probe_spec(const config::VirtualServer& vs, const config::RealServer& real);

}  // namespace tandem::health
