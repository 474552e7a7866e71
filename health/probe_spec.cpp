#include "health/probe_spec.hpp"

#include "health/escapes.hpp"
#include "health/http_response.hpp"
#include "health/placeholders.hpp"

namespace tandem::health {

namespace {

ProbeType probe_type(config::Check::Type type) {
  switch (type) {
    case config::Check::Type::tcp: return ProbeType::tcp;
    case config::Check::Type::send_expect: return ProbeType::send_expect;
    case config::Check::Type::http: return ProbeType::http;
    case config::Check::Type::https: return ProbeType::https;
    case config::Check::Type::external: return ProbeType::external;
    case config::Check::Type::udp: return ProbeType::udp;
    case config::Check::Type::none: return ProbeType::none;
  }
  return ProbeType::none;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

// The host part of a Host header value ("www.example.com:8080" ->
// "www.example.com"); empty when it is an address, which SNI must not carry.
std::string sni_of(const std::string& host) {
  if (host.empty() || host.front() == '[') return {};
  std::string name = host.substr(0, host.find(':'));
  if (config::IpAddress::parse(name)) return {};
  return name;
}

}  // namespace

ProbeSpecBuild make_probe_spec(const config::VirtualServer& vs, const config::RealServer& real) {
  ProbeSpecBuild out;
  const auto check = config::check_of(vs, real);
  if (!check) return out;
  ProbeSpec spec;
  spec.type = probe_type(check->type);
  spec.address = real.address;
  spec.port = check->port;
  spec.interval = std::chrono::duration_cast<std::chrono::milliseconds>(check->interval);
  spec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(check->timeout);
  spec.max_response = check->max_response;
  spec.verify_tls = check->verify_tls;

  if (!check->send.empty()) {
    auto decoded = decode_escapes(check->send);
    if (!decoded.value) {
      out.error = "send: " + decoded.error;
      return out;
    }
    spec.send = std::move(*decoded.value);
  }
  if (!check->receive.empty()) {
    std::string pattern = check->receive;
    if (!check->receive_regex) {
      auto decoded = decode_escapes(pattern);
      if (!decoded.value) {
        out.error = "receive: " + decoded.error;
        return out;
      }
      pattern = std::move(*decoded.value);
    }
    auto built = Matcher::compile(std::move(pattern), check->receive_regex ? MatchMode::regex : MatchMode::prefix);
    if (!built.matcher) {
      out.error = built.error;
      return out;
    }
    spec.expect = std::move(built.matcher);
  }
  if (spec.type == ProbeType::http || spec.type == ProbeType::https) {
    const bool tls = spec.type == ProbeType::https;
    const std::string host =
        check->virtualhost.empty() ? host_header(real.address.str(), spec.port, tls) : check->virtualhost;
    spec.head = check->method == "HEAD";
    auto request = build_http_request(spec.head ? HttpMethod::head : HttpMethod::get, check->request, host);
    if (!request.bytes) {
      out.error = request.error;
      return out;
    }
    spec.request = std::move(*request.bytes);
    auto status = parse_status_spec(join(check->expect_status));
    if (!status.value) {
      out.error = "status: " + status.error;
      return out;
    }
    spec.status = *status.value;
    if (tls) spec.server_name = sni_of(check->virtualhost);
  }
  if (spec.type == ProbeType::external) {
    PlaceholderValues values;
    values.real_address = real.address.str();
    values.port = std::to_string(spec.port);
    values.virtual_address = vs.address ? vs.address->address.str() : std::string();
    auto argv = substitute_placeholders(check->command, values);
    if (!argv.argv) {
      out.error = argv.error;
      return out;
    }
    spec.argv = std::move(*argv.argv);
  }
  out.spec = std::move(spec);
  return out;
}

}  // namespace tandem::health
