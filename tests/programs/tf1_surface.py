"""What a TF-1 program written `import tensorflow as tf` meets: graph mode, TF-1's
top level, TF-1 meanings (`tf.nn.dropout(x, keep_prob)`) and clear errors."""
import json
import sys

import tensorflow as tf
from tensorflow.python.framework import ops
from tensorflow.python.ops import math_ops

assert tf.compat.v1.placeholder is tf.placeholder and tf.compat.v2.function is tf.function
result = {"eager": tf.executing_eagerly(),
          "python_imports": [ops.convert_to_tensor is tf.convert_to_tensor,
                             math_ops.reduce_sum is tf.reduce_sum]}
x = tf.placeholder(tf.float32, [4])
kept = tf.nn.dropout(x, 1.0)  # TF 1: keep_prob = 1.0 keeps everything
with tf.Session() as sess:
    result["dropout_keep_all"] = sess.run(kept, {x: [1.0, 2.0, 3.0, 4.0]}).tolist()
for name in ("contrib.slim", "not_a_tf_name"):
    try:
        obj = tf
        for part in name.split("."):
            obj = getattr(obj, part)
        result[name] = "no error"
    except AttributeError as e:
        result[name] = str(e)
print("argv", sys.argv[1:])
print("RESULT " + json.dumps(result))
