# The RPC tests' guests (tests/rpc/guest/*), built with `loam build` (bindgen
# + the embedded WIT, deps from each wit/deps); test_rpc and test_rpc_crash
# find them in LOAM_RPC_GUEST_DIR.
set(LOAM_RPC_GUEST_DIR ${CMAKE_BINARY_DIR}/tests/rpc)
set(LOAM_RPC_GUESTS "")
foreach(g proxy callee)
  set(gdir ${CMAKE_SOURCE_DIR}/tests/rpc/guest/${g})
  add_custom_command(OUTPUT ${LOAM_RPC_GUEST_DIR}/${g}.wasm
    COMMAND ${CMAKE_COMMAND} -E make_directory ${LOAM_RPC_GUEST_DIR}
    COMMAND $<TARGET_FILE:loam> build --wit ${gdir}/wit -o ${LOAM_RPC_GUEST_DIR}/${g}.wasm
            ${gdir}/${g}.c
    DEPENDS loam ${gdir}/${g}.c ${gdir}/wit/${g}.wit ${LOAM_RPC_WITS})
  list(APPEND LOAM_RPC_GUESTS ${LOAM_RPC_GUEST_DIR}/${g}.wasm)
endforeach()
add_custom_target(rpc_guests DEPENDS ${LOAM_RPC_GUESTS})
foreach(t test_rpc test_rpc_crash)
  if(TARGET ${t})
    add_dependencies(${t} rpc_guests)
    target_compile_definitions(${t} PRIVATE LOAM_RPC_GUEST_DIR="${LOAM_RPC_GUEST_DIR}")
  endif()
endforeach()
