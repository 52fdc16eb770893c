// Every primitive header (for backends and generated code).
#pragma once

#include "ember/primitives/binary.h"
#include "ember/primitives/conv.h"
#include "ember/primitives/copy.h"
#include "ember/primitives/creation.h"
#include "ember/primitives/fast.h"
#include "ember/primitives/indexing.h"
#include "ember/primitives/matmul.h"
#include "ember/primitives/random.h"
#include "ember/primitives/reduce.h"
#include "ember/primitives/scan.h"
#include "ember/primitives/shape.h"
#include "ember/primitives/sort.h"
#include "ember/primitives/ternary.h"
#include "ember/primitives/transforms.h"
#include "ember/primitives/unary.h"
