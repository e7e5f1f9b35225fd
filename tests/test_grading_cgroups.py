"""Where does the grader make its per-jail memory cgroups? :func:`grading.cgroups.find_parent`
on fake cgroup trees (plain folders and files standing in for /sys/fs/cgroup and
/proc/self/cgroup), for cgroup v1 and v2 hosts this machine may not be."""

from __future__ import annotations

import os

from grading import cgroups


def _proc(tmp_path, lines):
    path = tmp_path / "proc-self-cgroup"
    path.write_text("".join(line + "\n" for line in lines), encoding="ascii")
    return str(path)


def _v2(tmp_path, own, subtree="memory pids"):
    root = tmp_path / "cgroup"
    (root / own.strip("/")).mkdir(parents=True, exist_ok=True)
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    (root / own.strip("/") / "cgroup.subtree_control").write_text(subtree + "\n")
    return root


def test_v1_uses_the_graders_own_memory_cgroup(tmp_path):
    """On a cgroup v1 host, are the jails' cgroups made below the grader's own memory cgroup?"""
    own = tmp_path / "cgroup" / "memory" / "docker" / "abc"
    own.mkdir(parents=True)
    proc = _proc(tmp_path, ["5:memory:/docker/abc", "4:cpu,cpuacct:/docker/abc"])
    assert cgroups.find_parent(str(tmp_path / "cgroup"), proc) == ("v1", str(own))


def test_v2_namespace_root_that_delegates_memory_is_used(tmp_path):
    """On cgroup v2, is the grader's cgroup used when it hands memory to its children (the
    root of a cgroup namespace, as in a container that owns its tree)?"""
    root = _v2(tmp_path, "/")
    proc = _proc(tmp_path, ["0::/"])
    assert cgroups.find_parent(str(root), proc) == ("v2", str(root) + "/")


def test_v2_leaf_without_memory_delegation_gets_no_cgroup(tmp_path):
    """A grader in a v2 leaf cgroup that does not hand memory down (a systemd user session):
    does it get None (per-process limits only, said by the self-test) rather than a cgroup
    it could not put processes into?"""
    root = _v2(tmp_path, "/user.slice/user-1000.slice/session-2.scope", subtree="")
    proc = _proc(tmp_path, ["0::/user.slice/user-1000.slice/session-2.scope"])
    assert cgroups.find_parent(str(root), proc) is None


def test_no_cgroup_filesystem_gets_none(tmp_path):
    """With neither hierarchy mounted (most unprivileged containers), is the answer None?"""
    proc = _proc(tmp_path, ["0::/"])
    assert cgroups.find_parent(str(tmp_path / "nothing"), proc) is None


def test_stale_cgroups_of_killed_graders_are_swept(tmp_path):
    """Are empty cgroups named after a grader process that no longer runs removed, and those
    of a running grader (this one) kept?"""
    root = _v2(tmp_path, "/")
    dead_pid = 2**22 + 7  # above Linux's largest pid: no such process
    stale = root / f"grading-{dead_pid}-0123456789ab"
    mine = root / f"grading-{os.getpid()}-0123456789ab"
    stale.mkdir()
    mine.mkdir()
    cgroups.find_parent(str(root), _proc(tmp_path, ["0::/"]))
    assert not stale.exists() and mine.exists()


def test_make_sets_the_limit_file_of_its_version(tmp_path):
    """Does make() write memory.max on v2 and memory.limit_in_bytes on v1, in MiB * 2**20?"""
    for version, limit_file in (("v2", "memory.max"), ("v1", "memory.limit_in_bytes")):
        parent = tmp_path / version
        parent.mkdir()
        path = cgroups.make((version, str(parent)), 256)
        # On a real cgroup filesystem the kernel creates the files; here make() writes them.
        assert (parent / os.path.basename(path) / limit_file).read_text() == str(256 * 2**20)
