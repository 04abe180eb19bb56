import subprocess
import sys

import pytest

from remediate.config import load_settings
from remediate.config_file import sanitizer_options
from remediate.errors import ConfigError


def test_the_sanitizer_section_reads_as_the_full_settings_read_it(tmp_path) -> None:
    file = tmp_path / "remediate.yaml"
    file.write_text("sanitizer:\n  allow: [nginx]\n  internal_domains: [corp]\nplanner: offline\n")

    light = sanitizer_options(file)
    full = load_settings(file, env={}).sanitizer

    assert light == {"allow": full.allow, "internal_domains": full.internal_domains}


@pytest.mark.parametrize(
    "body",
    ["sanitizer: [a]\n", "sanitizer:\n  allow: nginx\n", "sanitizer:\n  alow: [x]\n", "- 1\n"],
)
def test_a_bad_sanitizer_section_is_a_config_error(tmp_path, body: str) -> None:
    file = tmp_path / "remediate.yaml"
    file.write_text(body)

    with pytest.raises(ConfigError):
        sanitizer_options(file)


def test_remediate_sanitize_does_not_import_pydantic(tmp_path) -> None:
    code = (
        "import sys, io; sys.stdin = io.TextIOWrapper(io.BytesIO(b'password=Hunter2x!\\n'));"
        "from remediate.cli import main; main(['sanitize', '-']);"
        "print('pydantic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )

    assert done.stdout.splitlines() == ["password=[SECRET_TOKEN]", "False"]
