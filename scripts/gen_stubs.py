"""Regenerates the type stubs of the `ember.core` extension with nanobind's
stubgen: python/ember/core/__init__.pyi plus one stub per submodule
(random, fast, metal, cuda) and the PEP 561 marker python/ember/py.typed.

    python scripts/gen_stubs.py [BUILD_DIR]   (default: build-python)

The module is imported from BUILD_DIR (the extension and libember built
there), not from an installed copy, so the stubs match the sources.
"""
import glob
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# Names the binding signatures use but stubgen does not emit: the weak-scalar
# alias of the elementwise ops, dunder attributes, the private context manager
# class of printoptions, and the core types inside the submodule stubs.
CORE_PREAMBLE = """
scalar: TypeAlias = bool | int | float | complex

__version__: str

class _PrintOptionsContext:
    def __enter__(self) -> None: ...
    def __exit__(self, *args: object) -> None: ...
"""
SUBMODULE_IMPORT = "from ember.core import Device, DeviceType, Dtype, Stream, array\n"


def insert_after_imports(text, block):
    """Inserts `block` after the leading docstring/import section."""
    lines = text.splitlines(keepends=True)
    last = 0
    in_paren = False
    for i, line in enumerate(lines):
        if in_paren:
            last = i
            in_paren = ")" not in line
        elif line.startswith(("import ", "from ")):
            last = i
            in_paren = line.rstrip().endswith("(")
        elif line.startswith(("class ", "def ", "@")):
            break
    return "".join(lines[:last + 1]) + block + "".join(lines[last + 1:])


def fix_up(stub_dir):
    init = os.path.join(stub_dir, "__init__.pyi")
    with open(init) as f:
        text = f.read()
    text = insert_after_imports(text, "from typing import TypeAlias\n" + CORE_PREAMBLE)
    with open(init, "w") as f:
        f.write(text)
    for path in glob.glob(os.path.join(stub_dir, "*.pyi")):
        if path == init:
            continue
        with open(path) as f:
            text = f.read()
        if any(n in text for n in ("Stream", "Device", "Dtype")):
            text = insert_after_imports(text, SUBMODULE_IMPORT)
            with open(path, "w") as f:
                f.write(text)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                            os.path.join(ROOT, "build-python"))
    exts = glob.glob(os.path.join(build, "core.*.so"))
    if not exts:
        sys.exit(f"gen_stubs: no core.*.so in {build}; build target ember_python first")
    stage = tempfile.mkdtemp(prefix="ember_stubs_")
    try:
        pkg = os.path.join(stage, "ember")
        os.makedirs(pkg)
        for f in glob.glob(os.path.join(ROOT, "python", "ember", "*.py")):
            shutil.copy(f, pkg)
        for f in exts + glob.glob(os.path.join(build, "libember.so*")):
            os.symlink(f, os.path.join(pkg, os.path.basename(f)))
        sys.path.insert(0, stage)
        # An editable install registers a finder ahead of sys.path; drop it
        # so `ember` resolves to the staged build.
        sys.meta_path[:] = [f for f in sys.meta_path
                            if "ember" not in type(f).__module__]
        import ember.core
        if not ember.core.__file__.startswith(stage):
            sys.exit(f"gen_stubs: imported {ember.core.__file__}, not the build")
        from nanobind.stubgen import main as stubgen
        out = os.path.join(ROOT, "python", "ember")
        stubgen(["-q", "-m", "ember.core", "-r", "-O", out,
                 "-M", os.path.join(out, "py.typed")])
        fix_up(os.path.join(out, "core"))
    finally:
        shutil.rmtree(stage)


if __name__ == "__main__":
    main()
