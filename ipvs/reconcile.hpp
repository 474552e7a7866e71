// ipvs::reconcile (STYLE "Reconcile produces operations"): the operations
// that turn the observed kernel table into the desired one. Pure.
#pragma once
#include <optional>
#include <set>
#include <vector>

#include "ipvs/model.hpp"

namespace tandem::ipvs {

// `created` lists services recorded as created by tandem (they are owned even
// when no longer desired, so a reload that drops one deletes it). Services in
// `desired` are owned too. Everything else in `observed` is left alone. The
// result never flushes: a changed weight is one SetDest, a changed scheduler
// one SetService.
std::vector<Operation> reconcile(const Table& desired, const Table& observed,
                                 const std::set<ServiceKey>& created);

// Whether the kernel's view of a destination matches what we want. The
// kernel reports LOCALNODE forwarding for local addresses whatever was asked,
// so that counts as a match.
bool dest_matches(const Destination& desired, const Destination& observed);
bool service_matches(const Service& desired, const Service& observed);

// The SET_CONFIG that brings the kernel's connection timeouts to the wanted
// ones ([ipvs]): each field the wanted value where one is configured (not 0)
// and the kernel's differs, else 0, which SET_CONFIG reads as "unchanged";
// nullopt when nothing is to change. A timeout the kernel does not report
// (0: built without that protocol) is not set: it would change nothing.
std::optional<Timeouts> reconcile_timeouts(const Timeouts& wanted, const Timeouts& observed);
// The kernel's timeouts after `set` succeeded.
Timeouts apply_to(Timeouts observed, const Timeouts& set);

// The observed table after `ops` succeeded (stats kept for unchanged dests),
// sorted by service key as dumps are: lets the daemon apply a health change
// without dumping the table again.
Table apply_to(Table table, const std::vector<Operation>& ops);

}  // namespace tandem::ipvs
