"""The geometric proxy for where a chest heat map falls."""
import numpy as np

from training.heatmap_regions import mass_shares, region_masks


def test_a_map_on_the_heart_is_all_centre_and_no_lung():
    heatmap = np.zeros((16, 16))
    heatmap[6:12, 7:9] = 1.0
    lungs, centre = mass_shares(heatmap)
    assert lungs == 0.0 and centre == 1.0


def test_a_map_on_both_lungs_is_all_lung():
    heatmap = np.zeros((16, 16))
    heatmap[4:12, 3:6] = 1.0
    heatmap[4:12, 10:13] = 1.0
    lungs, centre = mass_shares(heatmap)
    assert lungs == 1.0 and centre == 0.0


def test_regions_do_not_overlap_and_scale_with_the_grid():
    for size in (7, 8, 16):
        lungs, centre = region_masks(size, size)
        assert not (lungs & centre).any()
        assert 0.3 < lungs.mean() < 0.6 and 0.1 < centre.mean() < 0.3
