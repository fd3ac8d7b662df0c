"""Exam types: what kind of picture an image is, and so which model may read it.

The one vocabulary for the whole project: a model package names the exam type it reads in its
model_metadata.json (`exam_type`), a case records the exam type of its images, and the browser
learns both from the API.
"""

EXAM_TYPES: dict[str, str] = {
    "chest_xray": "Chest X-ray",
    "breast_ultrasound": "Breast ultrasound",
    "retina_photo": "Retina photograph",
}

# The exam type each training dataset's images are, so that an exported package says what it reads.
DATASET_EXAM_TYPES: dict[str, str] = {
    "pneumoniamnist": "chest_xray",
    "kermany-chest-xray": "chest_xray",
    "breastmnist": "breast_ultrasound",
    "retinamnist": "retina_photo",
}


def exam_type_for_dataset(dataset: str) -> str:
    """The exam type of a training dataset's images, e.g. "breastmnist" -> "breast_ultrasound".

    Raises KeyError naming the dataset when it has no exam type here: add it to DATASET_EXAM_TYPES.
    """
    try:
        return DATASET_EXAM_TYPES[dataset]
    except KeyError:
        raise KeyError(f"dataset {dataset!r} has no exam type in training.exam_types.DATASET_EXAM_TYPES") from None
