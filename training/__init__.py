"""Train, evaluate and export medical image classifiers that run the same in TensorFlow and TF.js."""
