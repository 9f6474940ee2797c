"""Builds the Python package with CMake: `pip install --no-build-isolation .` (docs/python.md).

setuptools only packs what CMake installs: the extension deepimage._deepimage (bindings/python) with
the shared libraries and engine modules it loads (component "python", laid out in deepimage/lib),
beside the package's .py files.

DEEPIMAGE_BUILD_DIR=<a configured CMake build tree> builds the module there instead of configuring a
new tree (CI and the tests do so, to compile the project once). Otherwise a Release tree is
configured under setuptools' build folder, without tests or the ImageJ plugin.
"""
import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCE_DIR = pathlib.Path(__file__).resolve().parent
# setuptools' own files (build/, egg-info) go beside the CMake tree, not into the sources.
SETUPTOOLS_DIR = pathlib.Path(os.environ.get("DEEPIMAGE_BUILD_DIR") or SOURCE_DIR / "build") / "setuptools"


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        given = os.environ.get("DEEPIMAGE_BUILD_DIR")
        build_dir = pathlib.Path(given).resolve() if given else pathlib.Path(self.build_temp).resolve() / "cmake"
        if given:
            if not (build_dir / "CMakeCache.txt").exists():
                sys.exit(f"error: DEEPIMAGE_BUILD_DIR \"{given}\" is not a configured CMake build tree (no CMakeCache.txt)")
        else:
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            subprocess.run(["cmake", "-S", str(SOURCE_DIR), "-B", str(build_dir), *generator,
                            "-DCMAKE_BUILD_TYPE=Release", "-DDEEPIMAGE_BUILD_TESTS=OFF", "-DDEEPIMAGE_BUILD_IMAGEJ=OFF",
                            "-DDEEPIMAGE_BUILD_PYTHON=ON", f"-DPython_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "deepimage_python"], check=True)
        # Into the folder setuptools packs: deepimage/_deepimage*.so, deepimage/lib/*.so, deepimage/lib/deepimage/*.so.
        package_root = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve().parent.parent
        subprocess.run(["cmake", "--install", str(build_dir), "--component", "python", "--prefix", str(package_root)],
                       check=True)
        if not pathlib.Path(self.get_ext_fullpath(ext.name)).exists():
            sys.exit(f"error: CMake did not install {self.get_ext_fullpath(ext.name)} "
                     "(is DEEPIMAGE_BUILD_PYTHON on, and are pybind11-dev and python3-dev installed?)")


setup(
    packages=["deepimage"],
    package_dir={"": "bindings/python"},
    ext_modules=[Extension("deepimage._deepimage", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": str(SETUPTOOLS_DIR)}, "egg_info": {"egg_base": str(SETUPTOOLS_DIR)}},
    zip_safe=False,
)
