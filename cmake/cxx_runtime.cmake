# C++ runtime linkage for libember and the Python extension.
#
# Both must load the process-wide shared libstdc++.so.6 and libgcc_s.so.1.
# A static libstdc++ inside libember exports its STB_GNU_UNIQUE symbols (the
# locale facet ids among them); the dynamic loader binds those to the copy
# that NumPy loaded first, so two libstdc++ versions share one facet table and
# std::ostringstream crashed (seen with CXX=/opt/gcc/bin/g++ 13 and NumPy on
# Python 3.12). So: strip -static-libstdc++/-static-libgcc from the flags,
# link the compiler's shared libstdc++ and libgcc_s by path (a later
# -Bstatic -lstdc++ that a driver or wrapper appends then pulls nothing), pass
# -shared-libgcc so exceptions unwind through one libgcc_s, and hide the
# symbols of every static archive (--exclude-libs,ALL) so that nothing linked
# statically is exported. A post-build check (check_cxx_runtime.cmake) fails
# the build if a target lacks libstdc++.so.6/libgcc_s.so.1.

message(STATUS "ember: C++ compiler ${CMAKE_CXX_COMPILER} "
               "(${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION})")

# Flags from the environment (LDFLAGS, CXXFLAGS) or a toolchain file.
set(_ember_flag_vars CMAKE_CXX_FLAGS CMAKE_SHARED_LINKER_FLAGS
                     CMAKE_MODULE_LINKER_FLAGS CMAKE_EXE_LINKER_FLAGS)
foreach(_cfg DEBUG RELEASE RELWITHDEBINFO MINSIZEREL)
  list(APPEND _ember_flag_vars CMAKE_CXX_FLAGS_${_cfg}
       CMAKE_SHARED_LINKER_FLAGS_${_cfg} CMAKE_MODULE_LINKER_FLAGS_${_cfg})
endforeach()
foreach(_var ${_ember_flag_vars})
  if("${${_var}}" MATCHES "-static-lib(stdc\\+\\+|gcc)")
    message(WARNING "ember: removing -static-libstdc++/-static-libgcc from "
                    "${_var} ('${${_var}}'); libember and the Python "
                    "extension link the C++ runtime dynamically.")
    string(REGEX REPLACE "-static-lib(stdc\\+\\+|gcc)" "" _clean "${${_var}}")
    set(${_var} "${_clean}")
  endif()
endforeach()

# The compiler's own shared runtime libraries, linked by path.
set(EMBER_CXX_RUNTIME_LIBS "")
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" AND NOT APPLE
   AND NOT CMAKE_CXX_FLAGS MATCHES "-stdlib=libc\\+\\+")
  foreach(_lib libstdc++.so libgcc_s.so)
    execute_process(
      COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${_lib}
      OUTPUT_VARIABLE _path OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _rc ERROR_QUIET)
    # The driver prints the bare name when it has no such file.
    if(_rc EQUAL 0 AND IS_ABSOLUTE "${_path}" AND EXISTS "${_path}")
      message(STATUS "ember: shared ${_lib}: ${_path}")
      list(APPEND EMBER_CXX_RUNTIME_LIBS "${_path}")
    else()
      message(WARNING "ember: ${CMAKE_CXX_COMPILER} has no shared ${_lib} "
                      "(-print-file-name=${_lib} gave '${_path}'); it will "
                      "be linked statically with its symbols hidden. Use a "
                      "compiler with shared runtime libraries for the "
                      "Python extension.")
    endif()
  endforeach()
endif()

# Applies the rules above to a shared library or Python module target.
function(ember_link_cxx_runtime target)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" OR APPLE)
    return()
  endif()
  target_link_options(${target} PRIVATE
                      $<$<LINK_LANGUAGE:CXX>:-shared-libgcc>
                      "LINKER:--exclude-libs,ALL")
  list(LENGTH EMBER_CXX_RUNTIME_LIBS _n)
  if(_n EQUAL 2)
    # By path, so a -static-libstdc++/-static-libgcc that a compiler wrapper
    # adds (appended as -Bstatic -lstdc++ after these) pulls in nothing.
    target_link_libraries(${target} PRIVATE ${EMBER_CXX_RUNTIME_LIBS})
    if(CMAKE_READELF)
      add_custom_command(
        TARGET ${target} POST_BUILD
        COMMAND ${CMAKE_COMMAND} -DREADELF=${CMAKE_READELF}
                -DFILE=$<TARGET_FILE:${target}>
                -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/check_cxx_runtime.cmake
        VERBATIM)
    endif()
  endif()
endfunction()
