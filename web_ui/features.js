// Optional features the server reports in GET /api/health, read by the views that offer them.

export const features = { heroCorrections: false };
const listeners = [];

/** Call `listener` whenever a health response turns a feature on or off. */
export function onFeaturesChange(listener) {
  listeners.push(listener);
}

export function setFeatures(health) {
  const heroCorrections = health?.hero_corrections === true;
  if (heroCorrections === features.heroCorrections) return;
  features.heroCorrections = heroCorrections;
  for (const listener of listeners) listener();
}
