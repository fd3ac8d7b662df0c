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
