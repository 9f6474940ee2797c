# DEEPIMAGE_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer on all of our code (scripts/sanitize.sh).
# DEEPIMAGE_BUILD_FUZZ: libFuzzer targets for every parser (tests/fuzz, scripts/fuzz.sh); clang only.
# One clang build folder serves both (build-asan): our code gets coverage instrumentation
# (-fsanitize=fuzzer-no-link), whose hooks the sanitizer runtime stubs out in ordinary executables, so
# the same objects link into the test binaries and into the fuzz targets. LibTorch, OpenCV, oneDNN,
# libtiff, HDF5, protobuf and the other system libraries stay uninstrumented: ASan still sees their
# heap through its malloc, but not their out-of-bounds reads.
# docs/reliability.md ("Fuzzing", "Sanitizers") says what runs and what is excluded.
option(DEEPIMAGE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer (clang or gcc)" OFF)
option(DEEPIMAGE_BUILD_FUZZ "libFuzzer targets of the parsers (tests/fuzz); needs clang, implies DEEPIMAGE_SANITIZE" OFF)

if(DEEPIMAGE_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "DEEPIMAGE_BUILD_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++-14 "
                        "(Debian clang-14 and libclang-rt-14-dev)")
  endif()
  set(DEEPIMAGE_SANITIZE ON)
endif()

if(DEEPIMAGE_SANITIZE)
  # -O1 and line tables only: a fast build that still gives file:line in every report. Given after the
  # build type's flags, so it wins over Release's -O3.
  set(sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer)
  # Every undefined behaviour stops the test that hit it (a report alone would go unnoticed in a
  # passing test). -fsanitize=function is left out: it checks calls through function pointers
  # against the callee's type information, which the uninstrumented libraries' callbacks (libtiff's
  # handlers, HDF5's, ...) do not carry.
  list(APPEND sanitize_flags -fno-sanitize-recover=undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    list(APPEND sanitize_flags -fno-sanitize=function)
    add_compile_options(-gline-tables-only)
  else()
    add_compile_options(-g1)
  endif()
  add_compile_options(-O1 ${sanitize_flags})
  add_link_options(${sanitize_flags})
  # Tests that need more memory than a sanitized process can afford skip on this definition
  # (docs/reliability.md lists them); the Keras reader's child process (engine/keras/child_process.cpp)
  # drops a fuzzer's death callback and leaves the address space unlimited on it.
  add_compile_definitions(DEEPIMAGE_SANITIZE=1)
  if(DEEPIMAGE_BUILD_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
  # tcmalloc would replace the allocator ASan must own; the Python module, the ImageJ plugin, the web
  # pages and the benchmarks run our code inside programs that are not instrumented (python, java,
  # node) or measure speed: none of them is built here.
  foreach(off DEEPIMAGE_WITH_TCMALLOC DEEPIMAGE_BUILD_PYTHON DEEPIMAGE_BUILD_IMAGEJ DEEPIMAGE_BUILD_WEB
              DEEPIMAGE_BUILD_BENCH)
    if(${off})
      message(STATUS "${off}: off under DEEPIMAGE_SANITIZE")
      set(${off} OFF)
    endif()
  endforeach()
endif()

# clang's FindOpenMP picks LLVM's libomp; oneDNN and LibTorch run on GCC's libgomp (Debian builds them
# so), and the native engine's omp_set_num_threads must reach that runtime, not a second one loaded
# beside it. Our code has no OpenMP pragmas: it needs only omp.h and libgomp.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND NOT DEFINED OpenMP_CXX_FLAGS)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libgomp.so OUTPUT_VARIABLE gomp_path
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(EXISTS "${gomp_path}")
    get_filename_component(gomp_path "${gomp_path}" REALPATH)
    set(OpenMP_CXX_FLAGS "-fopenmp" CACHE STRING "OpenMP flags (libgomp, see cmake/sanitizers.cmake)")
    set(OpenMP_CXX_LIB_NAMES "gomp" CACHE STRING "")
    set(OpenMP_gomp_LIBRARY "${gomp_path}" CACHE FILEPATH "GCC's OpenMP runtime")
  endif()
endif()

# clang 14 with libstdc++ 12 cannot compile LibTorch's headers as C++20: it instantiates std::vector's
# (constexpr since C++20) destructor for c10::IValue where IValue is still incomplete. LibTorch's
# headers are C++17, so the few files that include them (src/engine/torch, the tests' saved_module.cpp)
# are compiled as C++17 by clang; they include none of our C++20-only headers.
set(DEEPIMAGE_TORCH_CXX_STANDARD 20)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(DEEPIMAGE_TORCH_CXX_STANDARD 17)
endif()
