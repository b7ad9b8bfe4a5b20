# interop_generate(): runs `interopc gen --lang c` (or cpp) at build time, like protobuf_generate().
#
#   interop_generate(
#     OUT_VAR  <var>            # receives the generated sources (.c, and .cpp for cpp: add them to a target)
#     FILES    a.interop ...    # IDL files; their imports are generated too
#     [LANGUAGE c|cpp]          # default c; cpp writes the C files and the C++ ones (docs/cpp.md)
#     [OUT_DIR <dir>]           # default: ${CMAKE_CURRENT_BINARY_DIR}/interop_gen
#     [INCLUDE_DIRS <dir>...]   # -I directories for imports
#     [MODULES <module>...])    # module names the files define and import (default: derived
#                               # from the file names, e.g. chat.interop -> chat)
#
# The generated headers are in OUT_DIR; add it to your target's include directories.
# INTEROPC (cache variable) is the command that runs the compiler; it defaults to `interopc`
# on PATH, or `node <repo>/compiler/bin/interopc.mjs` inside the interop repository.

function(interop_generate)
  cmake_parse_arguments(ARG "" "OUT_VAR;OUT_DIR;LANGUAGE" "FILES;INCLUDE_DIRS;MODULES" ${ARGN})
  if(NOT ARG_LANGUAGE)
    set(ARG_LANGUAGE c)
  endif()
  if(NOT ARG_LANGUAGE MATCHES "^(c|cpp)$")
    message(FATAL_ERROR "interop_generate: LANGUAGE must be c or cpp, not '${ARG_LANGUAGE}'")
  endif()
  if(NOT ARG_OUT_VAR OR NOT ARG_FILES)
    message(FATAL_ERROR "interop_generate: OUT_VAR and FILES are required")
  endif()
  if(NOT ARG_OUT_DIR)
    set(ARG_OUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/interop_gen")
  endif()
  if(NOT INTEROPC)
    find_program(INTEROPC_PROGRAM interopc)
    if(INTEROPC_PROGRAM)
      set(INTEROPC "${INTEROPC_PROGRAM}")
    else()
      message(FATAL_ERROR "interop_generate: set INTEROPC to the interopc command (e.g. \"node;/path/to/compiler/bin/interopc.mjs\")")
    endif()
  endif()
  set(sources "")
  set(inputs "")
  foreach(f ${ARG_FILES})
    get_filename_component(abs "${f}" ABSOLUTE)
    list(APPEND inputs "${abs}")
  endforeach()
  if(NOT ARG_MODULES)
    message(FATAL_ERROR "interop_generate: MODULES is required (the module names, e.g. example.chat)")
  endif()
  set(outputs "")
  foreach(m ${ARG_MODULES})
    string(REPLACE "." "_" stem "${m}")
    list(APPEND outputs "${ARG_OUT_DIR}/${stem}.c" "${ARG_OUT_DIR}/${stem}.h")
    list(APPEND sources "${ARG_OUT_DIR}/${stem}.c")
    if(ARG_LANGUAGE STREQUAL "cpp")
      list(APPEND outputs "${ARG_OUT_DIR}/${stem}.cpp" "${ARG_OUT_DIR}/${stem}.hpp")
      list(APPEND sources "${ARG_OUT_DIR}/${stem}.cpp")
    endif()
  endforeach()
  set(includes "")
  foreach(d ${ARG_INCLUDE_DIRS})
    list(APPEND includes -I "${d}")
  endforeach()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${INTEROPC} gen --lang ${ARG_LANGUAGE} --out "${ARG_OUT_DIR}" ${includes} ${inputs}
    DEPENDS ${inputs} ${INTEROP_GENERATE_EXTRA_DEPENDS}
    COMMENT "interopc gen --lang ${ARG_LANGUAGE} ${ARG_MODULES}"
    VERBATIM)
  set(${ARG_OUT_VAR} ${sources} PARENT_SCOPE)
endfunction()
