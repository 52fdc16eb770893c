// A small graph built lazily and evaluated: the C++ quick start.
#include <iostream>

#include "ember/ember.h"

int main() {
  using namespace ember;
  array x({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2});
  array y = exp(x) * 2.0f - x / 4.0f;  // nothing runs yet
  eval(y);                               // runs the graph on the CPU
  std::cout << "y[0,0] = " << detail::read_element<float>(y, 0) << "\n";
  std::cout << "y[1,1] = " << detail::read_element<float>(y, 3) << "\n";
  return 0;
}
