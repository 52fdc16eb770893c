# Post-build check (cmake -DREADELF=... -DFILE=... -P): FILE must need the
# shared libstdc++ and libgcc_s and must not export libstdc++'s own symbols,
# which only a private static copy would bring (see cxx_runtime.cmake).
execute_process(COMMAND ${READELF} -d -W ${FILE}
                OUTPUT_VARIABLE _dyn RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "ember: '${READELF} -d ${FILE}' failed (${_rc})")
endif()
foreach(_lib libstdc++.so.6 libgcc_s.so.1)
  string(REGEX REPLACE "([+.])" "\\\\\\1" _re "${_lib}")
  if(NOT _dyn MATCHES "NEEDED[^\n]*\\[${_re}\\]")
    message(FATAL_ERROR "ember: ${FILE} does not need ${_lib}: the C++ "
                        "runtime was linked statically (readelf -d:\n${_dyn})")
  endif()
endforeach()
execute_process(COMMAND ${READELF} --dyn-syms -W ${FILE}
                OUTPUT_VARIABLE _syms RESULT_VARIABLE _rc)
# std::locale::classic() is defined only inside libstdc++ itself.
if(_syms MATCHES "\n[^\n]* [0-9]+ _ZNSt6locale7classicEv[^\n]*")
  message(FATAL_ERROR "ember: ${FILE} defines and exports std::locale::classic"
                      "(): it carries its own libstdc++ copy.")
endif()
