//! Header patching for write-flash and verify-flash, done by `espctl-image`.

use espctl_chips::Chip;
use espctl_flasher::{ImagePatcher, PatchRequest, Patched};
use espctl_image::{FlashParamsRequest, Setting, patch_flash_params};

/// Plugs `espctl_image::patch_flash_params` into the flasher.
pub struct ImagePatch;

fn setting<T>(v: Option<T>) -> Setting<T> {
    match v {
        Some(v) => Setting::Set(v),
        None => Setting::Keep,
    }
}

impl ImagePatcher for ImagePatch {
    fn patch(
        &self,
        chip: &'static Chip,
        image: &mut Vec<u8>,
        request: &PatchRequest,
    ) -> Result<Patched, String> {
        let request = FlashParamsRequest {
            mode: setting(request.mode),
            size: setting(request.size),
            freq: setting(request.freq),
        };
        let outcome = patch_flash_params(chip, chip.bootloader_offset, image, &request)
            .map_err(|e| e.to_string())?;
        if let Some(w) = outcome.warning {
            return Ok(Patched::NotAnImage(w.to_string()));
        }
        let changed = outcome.flash_params.is_some() || outcome.digest_updated;
        *image = outcome.data;
        Ok(if changed {
            Patched::Changed {
                params: outcome.flash_params,
                sha_updated: outcome.digest_updated,
            }
        } else {
            Patched::Unchanged
        })
    }
}
