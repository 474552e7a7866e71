#include "daemon/resource_shell.hpp"

#include "daemon/log.hpp"

namespace tandem::daemon {

namespace {

std::string display_group(const std::string& group) { return group.empty() ? "default" : group; }

}  // namespace

// Status, then stop for the running ones, right to left.
struct ResourceShell::Check {
  std::string group;
  std::vector<config::Resource> resources;
  std::size_t left = 0;  // resources[left - 1] is next
  std::string peer;
  std::vector<std::string> stopped;
};

ResourceShell::ResourceShell(boost::asio::io_context& io, ResourceDirs dirs, Report report, Log log)
    : dirs_(std::move(dirs)), report_(std::move(report)), log_(std::move(log)), runner_(io) {}

void ResourceShell::configure(const config::Config& cfg) {
  resources_.clear();
  for (const auto& g : cfg.groups) resources_[cfg.named_groups ? g.name : std::string()] = g.resources;
}

const config::Resource* ResourceShell::find(const std::string& group, std::size_t index) const {
  auto it = resources_.find(group);
  if (it == resources_.end() || index >= it->second.size()) return nullptr;
  return &it->second[index];
}

void ResourceShell::run_op(const std::string& group, std::size_t index, bool start, std::string_view role,
                           std::string_view reason, std::string_view peer) {
  const config::Resource* r = find(group, index);
  const char* op = start ? "start" : "stop";
  auto fail = [&](std::string why) {
    report_(failover::ResourceDone{group, index, start, false, std::move(why), r ? r->name : std::string()});
  };
  if (!r) return fail("no such resource");
  auto argv = resource_argv(*r, op, dirs_);
  if (auto* why = std::get_if<std::string>(&argv)) return fail(*why);
  ScriptJob job;
  job.argv = std::move(std::get<std::vector<std::string>>(argv));
  job.env = resource_env(role, peer, reason, display_group(group), r->name);
  job.timeout = start ? r->start_timeout : r->stop_timeout;
  runner_.run(std::move(job), [this, group, index, start, name = r->name](ScriptResult res) {
    if (!res.ok && !res.output.empty() && res.output.find('\n') != std::string::npos)
      log_(log_info, "resource " + name + ": " + (start ? "start" : "stop") + " output: " + res.output);
    report_(failover::ResourceDone{group, index, start, res.ok, res.reason, name});
  });
}

void ResourceShell::start(const failover::StartResource& a, std::string_view role, std::string_view peer) {
  run_op(a.group, a.index, true, role, a.reason, peer);
}

void ResourceShell::stop(const failover::StopResource& a, std::string_view role, std::string_view peer) {
  run_op(a.group, a.index, false, role, a.reason, peer);
}

void ResourceShell::check(const failover::CheckResources& a, std::string_view peer) {
  auto c = std::make_shared<Check>();
  c->group = a.group;
  auto it = resources_.find(a.group);
  if (it != resources_.end()) c->resources = it->second;
  c->left = c->resources.size();
  c->peer = std::string(peer);
  check_next(std::move(c));
}

void ResourceShell::check_next(std::shared_ptr<Check> c) {
  if (c->left == 0) {
    report_(failover::ResourcesChecked{c->group, c->stopped});
    return;
  }
  const config::Resource& r = c->resources[c->left - 1];
  auto argv = resource_argv(r, "status", dirs_);
  if (auto* why = std::get_if<std::string>(&argv)) {
    log_(log_warning, "resource " + r.name + ": status: " + *why);
    --c->left;
    return check_next(std::move(c));
  }
  ScriptJob job;
  job.argv = std::move(std::get<std::vector<std::string>>(argv));
  job.env = resource_env("init", c->peer, "checking for leftovers at start", display_group(c->group), r.name);
  job.timeout = r.stop_timeout;
  runner_.run(std::move(job), [this, c](ScriptResult res) mutable {
    const config::Resource& r = c->resources[c->left - 1];
    if (!res.ok) {  // not running (LSB: 3), or unknown: nothing to stop
      --c->left;
      return check_next(std::move(c));
    }
    auto stop = resource_argv(r, "stop", dirs_);
    if (auto* why = std::get_if<std::string>(&stop)) {  // the agent went away since its status ran
      log_(log_err, "resource " + r.name + ": running at start, and its stop cannot run: " + *why);
      --c->left;
      return check_next(std::move(c));
    }
    ScriptJob job;
    job.argv = std::move(std::get<std::vector<std::string>>(stop));
    job.env = resource_env("init", c->peer, "running at start", display_group(c->group), r.name);
    job.timeout = r.stop_timeout;
    runner_.run(std::move(job), [this, c](ScriptResult res) mutable {
      const config::Resource& r = c->resources[c->left - 1];
      if (!res.ok) log_(log_err, "resource " + r.name + ": stop of a leftover failed: " + res.reason);
      c->stopped.push_back(r.name);
      --c->left;
      check_next(std::move(c));
    });
  });
}

void ResourceShell::kill_all() { runner_.kill_all(); }

}  // namespace tandem::daemon
