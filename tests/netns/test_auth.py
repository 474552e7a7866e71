#!/usr/bin/env python3
"""netns: heartbeats that fail authentication change nothing.

An attacker namespace sits on the public bridge, which floods every frame
(ageing_time 0), so it also sees the directors' unicast heartbeats.

Cases:
  forged       hbtool packets signed with the right key but a corrupted tag,
               impersonating each director with the peer's real generation,
               a fresh sequence and flags that would move the VIP if believed
               (relinquish to the backup, takeover to the active): roles and
               VIP holder unchanged, bad_hmac rises.
  wrong_key    the same with another secret under key id 1 (bad_hmac) and
               with a key id the directors do not have (unknown_key).
  replayed     real heartbeats captured off the wire (AF_PACKET) and sent
               again byte for byte: replayed rises, nothing changes.
  replay_after_restart
               heartbeats of the backup captured, the backup restarted (new
               generation), the old frames sent again: old_generation rises,
               nothing changes.
"""

import os
import signal
import sys
import time

import lab as L
from runner import main, ms

WATCH = 1.5  # seconds to watch for changes after an injection


def rejected(lab, node):
    return dict(lab.status(node)["heartbeats"]["rejected"])


def watch_unchanged(case, lab, active, seconds, what):
    """Samples for `seconds`: the same node active, the other backup, VIP only on it."""
    end = time.monotonic() + seconds
    samples = 0
    while time.monotonic() < end:
        snap = lab.snapshot()
        want = {active: "active", lab.peer_of(active): "backup"}
        case.check(snap["roles"] == want, "%s: roles changed to %s" % (what, snap["roles"]))
        case.check(snap["kernel"] == [active], "%s: VIP now on %s" % (what, snap["kernel"]))
        case.check(snap["held"] == {active: True, lab.peer_of(active): False},
                   "%s: status vips[].held is %s" % (what, snap["held"]))
        for n in L.NODES:
            case.check(snap["status"][n]["peer"]["alive"], "%s: %s reports the peer dead" % (what, n))
        samples += 1
        time.sleep(0.05)
    return samples


def settled_lab(case):
    lab = case.lab(attacker=True, flood=True)
    lab.start_pair()
    active = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
    return lab, active


def addr_of(node):
    return "%s.%d" % (L.PUBLIC_NET, L.HOST_OCTET[node])


def impersonations(lab, active):
    """(target, impersonated sender, role, flags, priority) pairs that would move
    the VIP if a director believed them."""
    backup = lab.peer_of(active)
    return [
        (backup, active, "active", 0x0001, 100),   # "I want you to take over"
        (active, backup, "active", 0x0002, 65535), # "I took over on purpose"
    ]


def inject(lab, target, sender, key_args, role, flags, priority, count, corrupt=False):
    st_target = lab.status(target)
    gen_sender = st_target["peer"]["generation"]  # the sender's real, verified generation
    args = ["send", "--to", addr_of(target), "--port", str(lab.port)] + key_args + [
        "--node", sender, "--generation", str(gen_sender), "--sequence", str(1 << 40),
        "--ack", str(st_target["generation"]), "--role", role, "--priority", str(priority),
        "--flags", str(flags), "--count", str(count)]
    if corrupt:
        args.append("--corrupt-tag")
    lab.hbtool(*args)


def case_forged(case):
    lab, active = settled_lab(case)
    count = 20
    for target, sender, role, flags, prio in impersonations(lab, active):
        before = rejected(lab, target)
        inject(lab, target, sender, ["--authkeys", lab.authkeys_path(sender)], role, flags, prio, count,
               corrupt=True)
        samples = watch_unchanged(case, lab, active, WATCH, "forged packets to %s" % target)
        after = rejected(lab, target)
        rise = after["bad_hmac"] - before["bad_hmac"]
        case.note("%d forged as %s to %s: bad_hmac +%d, roles and VIP unchanged (%d samples)"
                  % (count, sender, target, rise, samples))
        case.check(rise >= count, "%s: bad_hmac rose by %d, %d forged packets sent (counters before %s, after %s)"
                   % (target, rise, count, before, after))


def case_wrong_key(case):
    lab, active = settled_lab(case)
    count = 20
    variants = [
        ("another secret under key id 1", ["--key-id", "1", "--algo", "sha256", "--secret", "not-the-secret"],
         "bad_hmac"),
        ("unknown key id 7", ["--key-id", "7", "--algo", "sha256", "--secret", L.SECRET], "unknown_key"),
    ]
    for what, key_args, counter in variants:
        for target, sender, role, flags, prio in impersonations(lab, active):
            before = rejected(lab, target)
            inject(lab, target, sender, key_args, role, flags, prio, count)
            samples = watch_unchanged(case, lab, active, WATCH, "%s to %s" % (what, target))
            after = rejected(lab, target)
            rise = after[counter] - before[counter]
            case.note("%s, %d as %s to %s: %s +%d, nothing changed" % (what, count, sender, target, counter, rise))
            case.check(rise >= count, "%s to %s: %s rose by %d for %d packets (before %s, after %s)"
                       % (what, target, counter, rise, count, before, after))


def capture(lab, sender, target, count, name):
    out = os.path.join(lab.dir, name)
    lab.frames("capture", "--iface", "eth0", "--src", addr_of(sender), "--dst", addr_of(target),
               "--dport", str(lab.port), "--count", str(count), "--timeout", "5", "--out", out)
    return out


def case_replayed(case):
    lab, active = settled_lab(case)
    for sender in (active, lab.peer_of(active)):
        target = lab.peer_of(sender)
        frames = capture(lab, sender, target, 3, "from-%s.json" % sender)
        before = rejected(lab, target)
        repeat = 5
        lab.frames("send", "--iface", "eth0", "--in", frames, "--repeat", str(repeat), "--gap", "0.01")
        sent = 3 * repeat
        samples = watch_unchanged(case, lab, active, WATCH, "replay to %s" % target)
        after = rejected(lab, target)
        rise = after["replayed"] - before["replayed"]
        case.note("%d captured %s->%s frames sent again: replayed +%d, nothing changed (%d samples)"
                  % (sent, sender, target, rise, samples))
        case.check(rise >= sent, "replay to %s: replayed rose by %d for %d frames (before %s, after %s)"
                   % (target, rise, sent, before, after))


def case_replay_after_restart(case):
    lab, active = settled_lab(case)
    backup = lab.peer_of(active)
    frames = capture(lab, backup, active, 3, "old-%s.json" % backup)
    old_generation = lab.status(active)["peer"]["generation"]
    rc = lab.stop(backup)
    case.check(rc == 0, "backup %s exit status %s on SIGTERM" % (backup, rc))
    lab.start(backup)
    got = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
    case.check(got == active, "after restarting the backup, %s is active (want %s)" % (got, active))
    new_generation = lab.status(active)["peer"]["generation"]
    case.check(new_generation > old_generation, "%s restarted but %s sees generation %s, before %s"
               % (backup, active, new_generation, old_generation))
    before = rejected(lab, active)
    lab.frames("send", "--iface", "eth0", "--in", frames, "--repeat", "5", "--gap", "0.01")
    samples = watch_unchanged(case, lab, active, WATCH, "old frames to %s" % active)
    after = rejected(lab, active)
    rise = after["old_generation"] - before["old_generation"]
    case.note("15 frames of %s's previous generation sent to %s: old_generation +%d, nothing changed"
              % (backup, active, rise))
    case.check(rise >= 15, "old frames: old_generation rose by %d for 15 (before %s, after %s)"
               % (rise, before, after))
    case.check(lab.status(active)["peer"]["generation"] == new_generation,
               "%s's view of the peer generation changed after the old frames" % active)


if __name__ == "__main__":
    sys.exit(main([case_forged, case_wrong_key, case_replayed, case_replay_after_restart], "netns auth"))
