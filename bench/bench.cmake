# bench.cmake — build rules for the benchmarks that need more than loamcore
# (included from CMakeLists.txt after all targets exist): the guests they run
# and the loam binary they start as a server.
# the HTTP clients of these two link libcurl themselves (loamcore only loads
# it when a client command runs)
foreach(b http_bench rpc_bench)
  if(TARGET ${b})
    target_link_libraries(${b} PRIVATE PkgConfig::CURL)
  endif()
endforeach()
if(TARGET http_bench)
  add_dependencies(http_bench executor_guests loam)
  target_compile_definitions(http_bench PRIVATE LOAM_EXEC_GUEST_DIR="${LOAM_EXEC_GUEST_DIR}")
endif()

# rpc_bench: the counter guest (callee) and bench/guest/caller (calls it
# through golem:rpc), built with `loam build` against its WIT, whose deps/
# is a link to the repository's wit/deps.
set(LOAM_BENCH_GUEST_DIR ${CMAKE_BINARY_DIR}/bench/guest)
add_custom_command(OUTPUT ${LOAM_BENCH_GUEST_DIR}/caller.wasm
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LOAM_BENCH_GUEST_DIR}
  COMMAND $<TARGET_FILE:loam> build --wit ${CMAKE_SOURCE_DIR}/bench/guest/caller/wit
          --bindings ${LOAM_BENCH_GUEST_DIR}/caller-bindings
          -o ${LOAM_BENCH_GUEST_DIR}/caller.wasm ${CMAKE_SOURCE_DIR}/bench/guest/caller/caller.c
  DEPENDS loam ${CMAKE_SOURCE_DIR}/bench/guest/caller/caller.c
          ${CMAKE_SOURCE_DIR}/bench/guest/caller/wit/caller.wit
          ${CMAKE_SOURCE_DIR}/wit/deps/golem-rpc/types.wit
          ${CMAKE_SOURCE_DIR}/wit/deps/wasi-io/poll.wit)
add_custom_target(bench_guests DEPENDS ${LOAM_BENCH_GUEST_DIR}/caller.wasm)
if(TARGET rpc_bench)
  add_dependencies(rpc_bench executor_guests bench_guests loam)
  target_compile_definitions(rpc_bench PRIVATE LOAM_EXEC_GUEST_DIR="${LOAM_EXEC_GUEST_DIR}"
                             LOAM_BENCH_GUEST_DIR="${LOAM_BENCH_GUEST_DIR}")
endif()
