import numpy as np
import pytest
import tensorflow as tf

from training.gate import build_gate
from training.models import ClassLogits, ServingHead, build_classifier, build_serving_model


@pytest.mark.parametrize("size, feature_side", [(28, 7), (64, 8), (128, 8)])
def test_compact_cnn_works_at_28_64_and_128(size, feature_side):
    classifier = build_classifier("compact", size, 1, 2)
    probabilities = classifier(np.zeros((2, size, size, 1), np.float32))
    np.testing.assert_allclose(probabilities.numpy().sum(axis=1), 1.0, rtol=1e-6)
    features = classifier.get_layer("classifier_features")
    assert features.output.shape[1] == feature_side
    assert classifier.count_params() < 1_000_000  # under 4 MB of float32 weights for the browser


def test_pretrained_backbone_builds_without_downloading():
    classifier = build_classifier("mobilenetv3small", 32, 3, 5, weights=None)
    assert classifier(np.zeros((1, 32, 32, 3), np.float32)).shape == (1, 5)


def test_backbone_refuses_inputs_too_small():
    with pytest.raises(ValueError, match="at least 32x32"):
        build_classifier("resnet50", 28, 1, 2)


def test_heat_maps_average_to_the_classifier_logits():
    """The class activation maps are the dense layer applied at every position: their mean is the logit."""
    classifier = build_classifier("compact", 28, 1, 3)
    images = np.random.default_rng(0).random((2, 28, 28, 1)).astype(np.float32)
    features = classifier.get_layer("classifier_features")(images)
    pooled_logits, maps = ClassLogits(classifier.get_layer("classifier_logits"))(features)
    expected = classifier.get_layer("classifier_logits")(tf.reduce_mean(features, axis=[1, 2]))
    np.testing.assert_allclose(pooled_logits.numpy(), expected.numpy(), atol=1e-5)
    assert maps.shape == (2, 7, 7, 3)


def test_serving_model_takes_uint8_images_of_any_size():
    members = [build_classifier("compact", 28, 1, 2, name=f"member_{i}") for i in range(2)]
    model = build_serving_model(members, 28, 1, temperature=1.5)
    for shape in [(1, 28, 28, 1), (2, 97, 131, 1), (1, 300, 200, 1)]:
        outputs = model(np.random.default_rng(0).integers(0, 256, shape).astype(np.uint8))
        assert outputs["probabilities"].shape == (shape[0], 2)
        assert outputs["heatmaps"].shape == (shape[0], 7, 7, 2)
        heat = outputs["heatmaps"].numpy()
        assert heat.min() >= 0.0 and heat.max() <= 1.0


def test_ensemble_averages_member_logits():
    members = [build_classifier("compact", 28, 1, 2, name=f"member_{i}") for i in range(2)]
    images = np.random.default_rng(1).integers(0, 256, (3, 28, 28, 1)).astype(np.uint8)
    logits = [np.log(build_serving_model([m], 28, 1)(images)["probabilities"].numpy()) for m in members]
    mean = (logits[0] - logits[0].max(1, keepdims=True) + logits[1] - logits[1].max(1, keepdims=True)) / 2
    expected = np.exp(mean) / np.exp(mean).sum(axis=1, keepdims=True)
    actual = build_serving_model(members, 28, 1)(images)["probabilities"].numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-5)


def test_compact_net_with_a_finer_feature_map_keeps_its_depth():
    coarse = build_classifier("compact", 64, 1, 2, width=8)
    fine = build_classifier("compact", 64, 1, 2, width=8, feature_size=16, name="fine")
    assert coarse.get_layer("classifier_features").output.shape[1:3] == (8, 8)
    assert fine.get_layer("fine_features").output.shape[1:3] == (16, 16)
    assert coarse.count_params() == fine.count_params()


def test_feature_size_must_be_reachable_by_halving():
    with pytest.raises(ValueError, match="feature_size"):
        build_classifier("compact", 64, 1, 2, width=8, feature_size=24)


def test_heat_maps_are_evidence_for_a_class_against_the_other():
    maps = tf.constant(np.random.default_rng(0).normal(size=(1, 4, 4, 2)), tf.float32)
    _, heatmaps = ServingHead(1.0)(tf.reduce_mean(maps, axis=[1, 2]), maps)
    # With two classes the evidence for one is the evidence against the other.
    np.testing.assert_allclose(heatmaps[..., 1].numpy(), 1.0 - heatmaps[..., 0].numpy(), atol=1e-6)
    difference = (maps[..., 1] - maps[..., 0]).numpy()
    assert np.unravel_index(heatmaps[0, ..., 1].numpy().argmax(), (4, 4)) == np.unravel_index(difference[0].argmax(), (4, 4))


def test_serving_model_with_a_gate_answers_score_and_decision():
    classifier = build_classifier("compact", 28, 1, 2, width=4, name="member_0")
    gate = build_gate(28, 1, width=4)
    model = build_serving_model([classifier], 28, 1, 1.0, gate, 0.5)
    outputs = model(tf.constant(np.zeros((3, 40, 50, 1), np.uint8)))
    score, decision = outputs["input_check"].numpy(), outputs["input_accepted"].numpy()
    assert score.shape == (3,) and decision.shape == (3,)
    np.testing.assert_array_equal(decision, (score >= 0.5).astype(np.float32))
