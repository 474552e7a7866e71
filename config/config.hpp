// The immutable configuration value (SPEC "Configuration (TOML)").
// Parsing yields a Config or a list of located errors; there is no global
// config object. A reload parses a new value and diffs it against the old.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/address.hpp"
#include "config/duration.hpp"
#include "config/error.hpp"

namespace tandem::config {

struct NodeSection {
  std::string name;  // default: the host name
  int priority = 100;  // 0..65535; higher wins an election
  // SCHED_RR priority of the daemon (1..99); 0 = normal scheduling.
  int realtime_priority = 0;
  bool lock_memory = false;  // mlockall(MCL_CURRENT | MCL_FUTURE)
  friend bool operator==(const NodeSection&, const NodeSection&) = default;
};

struct ClusterSection {
  std::string peer;       // the other director's node name (required)
  std::string preferred;  // owner when both are healthy; default: none
  bool auto_failback = false;
  Duration interval{200};
  Duration deadtime{1000};
  Duration warntime{600};
  Duration initdead{3000};
  std::uint16_t port = 694;
  std::string authkeys = "/etc/tandem/authkeys";
  friend bool operator==(const ClusterSection&, const ClusterSection&) = default;
};

struct Link {
  std::string name;
  std::string interface;
  std::optional<IpAddress> peer;   // unicast destination, or
  std::optional<IpAddress> group;  // multicast group (exactly one of the two)
  friend bool operator==(const Link&, const Link&) = default;
};

struct Vip {
  IpPrefix address;
  std::string interface;
  std::string label;  // optional, IPv4 only, at most 15 characters
  friend bool operator==(const Vip&, const Vip&) = default;
  friend auto operator<=>(const Vip&, const Vip&) = default;
};

// [[resource]] (or [[group.resource]]): something that runs where its
// group's VIPs are, started left to right after the VIPs are added and
// announced, stopped right to left before they are removed (heartbeat's
// haresources). Run as `command... start|stop|status`, or as an agent:
// `/etc/ha.d/resource.d/AGENT ARGS... start|stop|status`, else
// `/etc/init.d/AGENT start|stop|status`.
struct Resource {
  enum class OnStartFailure { hand_over, ignore };
  std::string name;                  // 1..64 of [A-Za-z0-9_.-], unique in the file
  std::vector<std::string> command;  // argv, [0] absolute; or
  std::string agent;                 // a file name in the resource directories
  std::vector<std::string> args;     // agent only
  Duration start_timeout{30000};
  Duration stop_timeout{30000};
  OnStartFailure on_start_failure = OnStartFailure::hand_over;
  bool exclusive = true;  // never running on both directors at once
  friend bool operator==(const Resource&, const Resource&) = default;
};
std::string_view name_of(Resource::OnStartFailure f);  // "hand-over", "ignore"

// [notify]: a hook run on every role change, with the new role, the old one
// and the reason.
struct NotifySection {
  std::vector<std::string> command;  // argv, [0] absolute
  Duration timeout{10000};
  friend bool operator==(const NotifySection&, const NotifySection&) = default;
};

// [[group]]: a failover group, with its own preferred node and VIPs; each
// node holds the role of every group on its own (active/active). The form
// without [[group]] (top-level [[vip]], [cluster] preferred and
// auto_failback) is the one group "default".
struct Group {
  std::string name;       // 1..32 bytes of [A-Za-z0-9_.-]
  std::string preferred;  // empty: no preferred node
  bool auto_failback = false;
  std::vector<Vip> vips;
  std::vector<Resource> resources;  // [[group.resource]], or top-level [[resource]] for "default"
  friend bool operator==(const Group&, const Group&) = default;
};
inline constexpr std::size_t kMaxGroups = 16;
inline constexpr std::size_t kMaxGroupName = 32;

struct GarpSection {
  int count = 5;
  Duration interval{200};
  Duration refresh{0};  // 0 = never re-announce while active
  friend bool operator==(const GarpSection&, const GarpSection&) = default;
};

// [[track]]: one thing this node needs to serve (a gateway that answers
// pings, the carrier of an interface, a script's verdict). The node's
// fitness is the sum of the weights of the tracks that are up.
struct Track {
  enum class Type { ping, interface, script };
  std::string name;
  Type type = Type::ping;
  Duration interval{1000};  // interface: the carrier is sampled, and read at once on a change
  Duration timeout{1000};   // at most interval (default: 1s or the interval); ping and script
  int rise = 2;            // consecutive successes to count as up, 1..100
  int fall = 2;            // consecutive failures to count as down, 1..100
  int weight = 1;          // 1..1000
  // ping: `address`, or `group` (up while any member answers).
  std::vector<IpAddress> addresses;
  bool group = false;
  // ping: the interface to ping from (optional); interface: the one watched.
  std::string interface;
  std::vector<std::string> command;  // script: argv, [0] absolute
  friend bool operator==(const Track&, const Track&) = default;
};
std::string_view name_of(Track::Type t);  // "ping", "interface", "script"

// ---- IPVS (SPEC [[virtual_server]], [[virtual_server.real]], [sync]) ----

enum class Protocol { tcp, udp, sctp };
enum class ForwardingMethod { nat, dr, tun };
enum class TunnelType { ipip, gue, gre };
enum class OnFailure { quiesce, remove };

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// A health check ([virtual_server.check]; SPEC "Configuration (TOML)").
// `send` and `receive` hold the text as written: `send` (and a prefix
// `receive`) may use the escapes \r \n \t \\ and \xHH, which validation has
// checked; a regex `receive` is an ECMAScript regex, which has those escapes
// of its own.
struct Check {
  enum class Type { tcp, send_expect, http, https, external, udp, none };
  Type type = Type::tcp;
  Duration interval{1000};
  Duration timeout{500};     // bounds the whole exchange; at most interval
  int rise = 2;              // consecutive successes to come back, 1..100
  int fall = 2;              // consecutive failures to go down, 1..100
  std::string send;          // send-expect (optional), udp (required)
  std::string receive;       // send-expect, udp (required); http(s): matched on the body
  bool receive_regex = true;  // receive_match = "regex" (default) | "prefix"
  std::string request = "/";  // http(s): the path, starting with "/"
  std::string method = "GET";  // http(s): GET or HEAD
  std::string virtualhost;     // http(s): the Host header; empty: the real's address
  std::vector<std::string> expect_status{"2xx"};  // http(s) `status`: "2xx", "200", "301-302"
  bool verify_tls = false;                        // https `verify_certificate`
  std::vector<std::string> command;  // external: argv, [0] absolute; %h %p %v %%
  std::uint16_t port = 0;            // 0: the real server's port
  std::size_t max_response = 65536;  // bytes read at most
  friend bool operator==(const Check&, const Check&) = default;
};

// A real server's overrides of its virtual server's check
// ([virtual_server.real.check] or `check = { ... }`); unset: the check's.
struct CheckOverride {
  std::optional<std::string> request;
  std::optional<std::string> receive;
  std::optional<std::string> send;
  std::optional<std::uint16_t> port;
  std::optional<std::string> virtualhost;
  friend bool operator==(const CheckOverride&, const CheckOverride&) = default;
};

struct RealServer {
  IpAddress address;
  // 0: the virtual server's port (required for nat when the vs port is 0).
  // A parsed Config holds the port the kernel is given: the real's own, else
  // the virtual server's, so it is 0 only when that is 0 (fwmark or port-less).
  std::uint16_t port = 0;
  int weight = 1;          // 0..65535
  std::optional<ForwardingMethod> forwarding;  // default: the virtual server's
  std::optional<TunnelType> tunnel_type;       // default: the virtual server's
  std::optional<std::uint16_t> tunnel_port;    // gue only; default: the virtual server's
  std::uint32_t upper_threshold = 0;           // 0 = no limit
  std::uint32_t lower_threshold = 0;
  std::optional<CheckOverride> check;          // only with a check on the virtual server
  friend bool operator==(const RealServer&, const RealServer&) = default;
};

struct VirtualServer {
  std::optional<Endpoint> address;  // address = "10.0.0.100:80" / "[2001:db8::100]:80", or
  std::uint32_t fwmark = 0;         // fwmark = 7 (exactly one of the two)
  int family = 0;                   // AF_INET/AF_INET6: from address, or `family = "ipv6"` for fwmark (default ipv4)
  Protocol protocol = Protocol::tcp;  // ignored by the kernel for fwmark services
  std::string scheduler = "wlc";
  std::vector<std::string> scheduler_flags;  // "sh-fallback", "sh-port", "mh-fallback", "mh-port", "ops"
  ForwardingMethod forwarding = ForwardingMethod::dr;
  TunnelType tunnel_type = TunnelType::ipip;
  std::uint16_t tunnel_port = 0;    // required with tunnel_type = "gue"
  Duration persistence{0};          // whole seconds; 0 = not persistent
  // IPv4: mask in host order (default 0xffffffff); IPv6: prefix length (default 128).
  std::uint32_t persistence_netmask = 0;
  std::optional<Endpoint> fallback;
  OnFailure on_failure = OnFailure::quiesce;
  std::optional<Check> check;  // absent: no health checks, every real counts as healthy
  std::vector<RealServer> reals;
  // The failover group it belongs to: the group whose VIP is its address,
  // else its `group` key (required for a fwmark service when there are
  // several groups). A parsed Config always has it set ("default" in the
  // form without [[group]]).
  std::string group;
  friend bool operator==(const VirtualServer&, const VirtualServer&) = default;
};

struct SyncSection {
  std::string interface;               // multicast interface of the sync daemon
  std::uint32_t syncid = 0;            // 0..255
  std::optional<IpAddress> group;      // default 224.0.0.81 (IPv4) / ff02::8:81 (IPv6)
  std::uint16_t port = 0;              // 0: 8848
  std::uint16_t maxlen = 0;            // 0: kernel default (MTU based)
  std::uint8_t ttl = 0;                // 0: 1
  friend bool operator==(const SyncSection&, const SyncSection&) = default;
};

// Names as written in the file ("tcp", "dr", "gue", "quiesce").
std::string_view name_of(Protocol p);
std::string_view name_of(ForwardingMethod f);
std::string_view name_of(TunnelType t);
std::string_view name_of(OnFailure o);
std::string_view name_of(Check::Type t);  // "send-expect"

// The IPVS schedulers `scheduler` accepts, and the `scheduler_flags`.
std::span<const std::string_view> ipvs_schedulers();
std::span<const std::string_view> ipvs_scheduler_flags();

// What the kernel is given for one real: its own setting, else the virtual
// server's.
ForwardingMethod forwarding_of(const VirtualServer& vs, const RealServer& real);
TunnelType tunnel_type_of(const VirtualServer& vs, const RealServer& real);
std::uint16_t tunnel_port_of(const VirtualServer& vs, const RealServer& real);

// The check one real server gets: the virtual server's with the real's
// overrides applied, and `port` the port to probe (the override's, else the
// check's, else the real's). Empty when the virtual server has no check.
std::optional<Check> check_of(const VirtualServer& vs, const RealServer& real);

// "TCP 10.0.0.100:80", "UDP [2001:db8::100]:53", "FWM 7", "FWM 7 (IPv6)".
std::string describe(const VirtualServer& vs);

// [metrics]: the HTTP listener for /metrics (Prometheus text) and / (the
// status page). Node-local: not in the digest.
struct MetricsSection {
  Endpoint listen;  // "127.0.0.1:9694"
  friend bool operator==(const MetricsSection&, const MetricsSection&) = default;
};

// [ipvs]: the kernel's IPVS connection timeouts, as `ipvsadm --set TCP
// TCPFIN UDP` sets them; whole seconds, 1s..kMaxIpvsTimeout. A key left out
// leaves the kernel's value as it is (also when a reload removes it). Both
// directors carry the same connections: in the virtual servers part of the
// digest.
struct IpvsSection {
  std::optional<Duration> tcp_timeout;     // established TCP connections
  std::optional<Duration> tcpfin_timeout;  // TCP connections after a FIN
  std::optional<Duration> udp_timeout;     // UDP flows
  bool empty() const { return !tcp_timeout && !tcpfin_timeout && !udp_timeout; }
  friend bool operator==(const IpvsSection&, const IpvsSection&) = default;
};
// The largest timeout every kernel accepts: it refuses more than INT_MAX / HZ
// seconds, and HZ is at most 1000 (24 days, 20:31:23).
inline constexpr Duration kMaxIpvsTimeout = std::chrono::seconds(2147483);

struct Config {
  std::string path;  // the file it was read from
  NodeSection node;
  ClusterSection cluster;
  std::vector<Link> links;
  std::vector<Vip> vips;  // every group's, in the order of the file
  // Never empty in a parsed Config: the [[group]]s in file order, or the
  // one group "default" made of [[vip]] and [cluster] preferred and
  // auto_failback (then named_groups is false).
  std::vector<Group> groups;
  bool named_groups = false;
  GarpSection garp;
  std::vector<Track> tracks;
  std::vector<VirtualServer> virtual_servers;
  std::optional<SyncSection> sync;
  std::optional<NotifySection> notify;
  std::optional<MetricsSection> metrics;
  IpvsSection ipvs;  // every key absent when the table is
  friend bool operator==(const Config&, const Config&) = default;
};

// The group a virtual server belongs to (by name); null when none.
const Group* group_of(const Config& cfg, const VirtualServer& vs);

struct ParseOptions {
  std::string default_node_name;  // the host name, used when [node] name is absent
};

struct ConfigResult {
  std::optional<Config> config;  // set only when errors is empty
  Diagnostics errors;
  Diagnostics warnings;
};

// Parses TOML text; `path` is used in diagnostics and recorded in Config.
ConfigResult parse_config(std::string_view text, const std::string& path,
                          const ParseOptions& options);
// Reads the file, then parse_config. A missing file is a "FILE: error:".
ConfigResult load_config(const std::string& path, const ParseOptions& options);
// The same, keeping the bytes that were parsed (tandemd hands them to its
// checker, which parses them again: the same text, not the file again).
struct LoadedConfig {
  std::string text;
  ConfigResult result;
};
LoadedConfig load_config_text(const std::string& path, const ParseOptions& options);

}  // namespace tandem::config
