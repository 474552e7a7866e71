// Big-endian (network order) integer writing and reading for the wire
// formats in failover/.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tandem::failover {

template <class T>
inline void put_be(std::vector<std::uint8_t>& out, T v) {
  for (int shift = int(sizeof(T) * 8) - 8; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(v >> shift));
}

template <class T>
inline T get_be(std::span<const std::uint8_t> p, std::size_t at) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | p[at + i]);
  return v;
}

}  // namespace tandem::failover
