# tests/stubgen/stubgen.cmake — test_stubgen and test_stubgen_e2e run the loam binary (loam build,
# loam inspect) on the stubs it generates.
if(TARGET test_stubgen)
  add_dependencies(test_stubgen loam)
  target_compile_definitions(test_stubgen PRIVATE LOAM_BIN="$<TARGET_FILE:loam>")
endif()
# test_stubgen_e2e builds its guests with the loam binary too.
if(TARGET test_stubgen_e2e)
  add_dependencies(test_stubgen_e2e loam)
  target_compile_definitions(test_stubgen_e2e PRIVATE LOAM_BIN="$<TARGET_FILE:loam>")
endif()
