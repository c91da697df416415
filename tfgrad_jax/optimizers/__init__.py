"""Optimizers: the update rules (`rules`), shared by the Keras optimizers (`keras`,
exposed as `tf.keras.optimizers`) and the TF-1 ones, and learning-rate schedules."""
