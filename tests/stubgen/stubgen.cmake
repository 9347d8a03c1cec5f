# tests/stubgen/stubgen.cmake — test_stubgen runs the loam binary (loam build,
# loam inspect) on the stubs it generates.
if(TARGET test_stubgen)
  add_dependencies(test_stubgen loam)
  target_compile_definitions(test_stubgen PRIVATE LOAM_BIN="$<TARGET_FILE:loam>")
endif()
