import os

from agent.files import atomic_write_text, private_dir


def test_atomic_write_leaves_no_temp_and_is_private(tmp_path):
    target = tmp_path / "x.yaml"
    atomic_write_text(target, "a: 1\n")
    atomic_write_text(target, "a: 2\n")
    assert target.read_text() == "a: 2\n"
    assert sorted(os.listdir(tmp_path)) == ["x.yaml"]
    assert target.stat().st_mode & 0o777 == 0o600


def test_private_dir_creates_private_folders(tmp_path):
    assert private_dir(tmp_path / "new" / "deeper").stat().st_mode & 0o777 == 0o700


def test_private_dir_tightens_only_the_data_folder(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    assert private_dir(folder).stat().st_mode & 0o777 == 0o755  # e.g. an existing db's folder
    assert private_dir(folder, tighten=True).stat().st_mode & 0o777 == 0o700


def test_a_shared_sticky_folder_such_as_tmp_is_left_open(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    private_dir(shared, tighten=True)
    assert shared.stat().st_mode & 0o7777 == 0o1777
