# bench.cmake — build rules for the benchmarks that need more than loamcore
# (included from CMakeLists.txt after all targets exist): the guests they run
# and the loam binary they start as a server.
if(TARGET http_bench)
  add_dependencies(http_bench executor_guests loam)
  target_compile_definitions(http_bench PRIVATE LOAM_EXEC_GUEST_DIR="${LOAM_EXEC_GUEST_DIR}")
endif()
