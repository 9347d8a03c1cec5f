# test_witvalue loads golem:rpc's WIT from the repository (wit/deps).
if(TARGET test_witvalue)
  target_compile_definitions(test_witvalue PRIVATE LOAM_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endif()
