// Fuzz target for `tandemctl import keepalived` (config/legacy/keepalived):
// each input is a keepalived.conf, k.conf, optionally followed by a line
// "=====" and the peer's file, peer.conf, given as --peer-config. Either may
// include the other (or itself). It checks import_contract.hpp's contract
// on every import: with the cluster options, and --services-only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "import_contract.hpp"
#include "config/legacy/import.hpp"
#include "config/legacy/keepalived.hpp"

using namespace tandem::config::legacy;
using tandem::config::legacy::fuzz::check_contract;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::size_t split = text.find("\n=====\n");
  const std::string mine = split == std::string::npos ? text : text.substr(0, split + 1);
  const std::string peer = split == std::string::npos ? std::string() : text.substr(split + 7);
  const FileReader files = map_reader({{"k.conf", mine}, {"peer.conf", peer}});
  ImportOptions complete;
  complete.node = "d1";
  complete.peer = "d2";
  if (split != std::string::npos) complete.peer_config = "peer.conf";
  check_contract(import_keepalived("k.conf", files, complete), {"k.conf", "peer.conf"}, false);
  ImportOptions flags = complete;
  flags.peer_addresses = {{"eth0", "10.0.0.2"}, {"eth9", "192.168.9.2"}};
  check_contract(import_keepalived("k.conf", files, flags), {"k.conf", "peer.conf"}, false);
  ImportOptions services;
  services.services_only = true;
  check_contract(import_keepalived("k.conf", files, services), {"k.conf", "peer.conf"}, true);
  return 0;
}
