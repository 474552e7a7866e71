#include "failover/maintenance_sync.hpp"

#include "config/digest.hpp"

namespace tandem::failover {

void MaintenanceSender::set_own(std::string text, MaintenanceVersion version) {
  if (version != own_) next_piece_ = 0;
  text_ = std::move(text);
  own_ = version;
}

void MaintenanceSender::peer_has(MaintenanceVersion version) { peer_ = version; }

void MaintenanceSender::fill(Heartbeat& hb) {
  hb.maintenance_stamp = own_.stamp;
  hb.maintenance_digest = own_.digest;
  hb.maintenance.reset();
  // Nothing to send before the peer said what it has (it may speak an
  // older version), or when it has ours.
  if (!peer_ || *peer_ == own_ || text_.empty()) return;
  const std::size_t count = (text_.size() + max_maintenance_chunk - 1) / max_maintenance_chunk;
  if (count > 0xffff) return;
  const std::size_t index = next_piece_ % count;
  next_piece_ = index + 1;
  MaintenanceChunk piece;
  piece.index = static_cast<std::uint16_t>(index);
  piece.count = static_cast<std::uint16_t>(count);
  piece.bytes = text_.substr(index * max_maintenance_chunk, max_maintenance_chunk);
  hb.maintenance = std::move(piece);
}

std::optional<std::string> MaintenanceAssembly::add(MaintenanceVersion version, const MaintenanceChunk& piece) {
  if (piece.count == 0 || piece.index >= piece.count) return std::nullopt;
  if (version != version_ || piece.count != count_) {
    version_ = version;
    count_ = piece.count;
    pieces_.assign(piece.count, std::nullopt);
    have_ = 0;
  }
  auto& slot = pieces_[piece.index];
  if (!slot) ++have_;
  slot = piece.bytes;
  if (have_ < count_) return std::nullopt;
  std::string text;
  for (const auto& p : pieces_) text += *p;
  // Start over for the next state either way.
  count_ = 0;
  pieces_.clear();
  have_ = 0;
  if (config::short_sha256(text) != version.digest) return std::nullopt;
  return text;
}

}  // namespace tandem::failover
