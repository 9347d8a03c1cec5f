# The composition tests' guests (tests/compose/guest/): a stub module and a
# caller built with `loam build` (the caller's WIT directory is assembled
# here as `loam stubgen add-stub-dependency` would: caller.wit + deps/),
# a second stub the caller does not use, and hand-written bad callers.
set(LOAM_COMPOSE_DIR ${CMAKE_BINARY_DIR}/tests/compose)
set(LOAM_COMPOSE_SRC ${CMAKE_SOURCE_DIR}/tests/compose/guest)
foreach(g stub other)
  add_custom_command(OUTPUT ${LOAM_COMPOSE_DIR}/${g}.wasm
    COMMAND ${CMAKE_COMMAND} -E make_directory ${LOAM_COMPOSE_DIR}
    COMMAND $<TARGET_FILE:loam> build --wit ${LOAM_COMPOSE_SRC}/${g}/${g}.wit
            --bindings ${LOAM_COMPOSE_DIR}/${g}-bindings -o ${LOAM_COMPOSE_DIR}/${g}.wasm
            ${LOAM_COMPOSE_SRC}/${g}/${g}.c > /dev/null
    DEPENDS loam ${LOAM_COMPOSE_SRC}/${g}/${g}.c ${LOAM_COMPOSE_SRC}/${g}/${g}.wit)
endforeach()
add_custom_command(OUTPUT ${LOAM_COMPOSE_DIR}/caller.wasm
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LOAM_COMPOSE_DIR}/caller-wit/deps/counter-stub
  COMMAND ${CMAKE_COMMAND} -E copy ${LOAM_COMPOSE_SRC}/caller/caller.wit
          ${LOAM_COMPOSE_DIR}/caller-wit/caller.wit
  COMMAND ${CMAKE_COMMAND} -E copy ${LOAM_COMPOSE_SRC}/stub/stub.wit
          ${LOAM_COMPOSE_DIR}/caller-wit/deps/counter-stub/stub.wit
  COMMAND $<TARGET_FILE:loam> build --wit ${LOAM_COMPOSE_DIR}/caller-wit
          --bindings ${LOAM_COMPOSE_DIR}/caller-bindings -o ${LOAM_COMPOSE_DIR}/caller.wasm
          ${LOAM_COMPOSE_SRC}/caller/caller.c > /dev/null
  DEPENDS loam ${LOAM_COMPOSE_SRC}/caller/caller.c ${LOAM_COMPOSE_SRC}/caller/caller.wit
          ${LOAM_COMPOSE_SRC}/stub/stub.wit)
foreach(v missing ghost)
  if(v STREQUAL "ghost")
    set(def -DGHOST)
  else()
    set(def -DMISSING)
  endif()
  add_custom_command(OUTPUT ${LOAM_COMPOSE_DIR}/bad_${v}.wasm
    COMMAND ${CMAKE_COMMAND} -E make_directory ${LOAM_COMPOSE_DIR}
    COMMAND clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -mexec-model=reactor ${def}
            ${LOAM_COMPOSE_SRC}/bad_caller.c -o ${LOAM_COMPOSE_DIR}/bad_${v}.wasm
    DEPENDS ${LOAM_COMPOSE_SRC}/bad_caller.c)
endforeach()
add_custom_target(compose_guests DEPENDS
  ${LOAM_COMPOSE_DIR}/stub.wasm ${LOAM_COMPOSE_DIR}/other.wasm ${LOAM_COMPOSE_DIR}/caller.wasm
  ${LOAM_COMPOSE_DIR}/bad_missing.wasm ${LOAM_COMPOSE_DIR}/bad_ghost.wasm)
if(TARGET test_compose)
  add_dependencies(test_compose compose_guests)
  target_compile_definitions(test_compose PRIVATE LOAM_COMPOSE_DIR="${LOAM_COMPOSE_DIR}")
endif()
