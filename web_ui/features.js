// Optional features the server reports in GET /api/health, read by the views that offer them.

export const features = { heroCorrections: false };

export function setFeatures(health) {
  features.heroCorrections = health?.hero_corrections === true;
}
