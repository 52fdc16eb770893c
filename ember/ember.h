// ember: the public C++ API.
#pragma once

#include "ember/core/allocator.h"
#include "ember/core/array.h"
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/print.h"
#include "ember/core/scheduler.h"
#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"
#include "ember/ops/reduce.h"
#include "ember/ops/scan.h"
#include "ember/ops/sort.h"
#include "ember/ops/utils.h"
#include "ember/transforms/eval.h"
