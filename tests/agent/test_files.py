import os
import threading

import pytest

from agent.errors import ConfigError
from agent.files import atomic_write_text, private_dir, read_or_create_key


def test_key_is_created_private_once_and_checked(tmp_path):
    path = tmp_path / "data" / "key"
    key = read_or_create_key(path)
    assert len(key) == 32 and read_or_create_key(path) == key
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    path.write_text("")
    with pytest.raises(ConfigError, match="not a 32-byte hex key"):
        read_or_create_key(path)
    path.write_text("ab" * 8)
    with pytest.raises(ConfigError, match="not a 32-byte hex key"):
        read_or_create_key(path)


def test_key_refuses_a_symlink(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("ab" * 32)
    (tmp_path / "key").symlink_to(target)
    with pytest.raises(ConfigError, match="cannot be opened"):
        read_or_create_key(tmp_path / "key")


def test_concurrent_key_creation_agrees(tmp_path):
    keys = []
    threads = [
        threading.Thread(target=lambda: keys.append(read_or_create_key(tmp_path / "k")))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1


def test_atomic_write_leaves_no_temp_and_is_private(tmp_path):
    target = tmp_path / "x.yaml"
    atomic_write_text(target, "a: 1\n")
    atomic_write_text(target, "a: 2\n")
    assert target.read_text() == "a: 2\n"
    assert sorted(os.listdir(tmp_path)) == ["x.yaml"]
    assert target.stat().st_mode & 0o777 == 0o600


def test_private_dir_tightens_an_open_folder(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    assert private_dir(folder).stat().st_mode & 0o777 == 0o700
