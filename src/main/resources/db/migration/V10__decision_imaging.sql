-- Imaging models: the result of an imaging model on one image, recorded in the decision row and
-- hashed with it when it holds a value (records without one hash as before): {model: {id, version,
-- sha256, demonstration}, preprocessing, image: {studyUid, seriesUid, sopUid, modality, bodyPart,
-- photometricInterpretation, bitsStored, rows, columns, pixelSpacingMm, pixelSha256}, probability,
-- band, saliency: {method, baseline, patch, stride, gridRows, gridColumns, drops, strongest}}. Never
-- the image itself. Null for other models. The application role's privileges on decision (select,
-- insert) cover the new column.
alter table decision add column imaging jsonb;
