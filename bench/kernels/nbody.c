/* nbody.c — a five-body gravitational simulation (sun and four giant
 * planets) with a symplectic Euler step; prints the energy before and after. */
#include <math.h>
#include <stdio.h>

#define BODIES 5
#define STEPS 2000000
#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24

typedef struct body { double x, y, z, vx, vy, vz, mass; } body;

/* Rough positions (AU) and velocities (AU/day) of Jupiter..Neptune. */
static body system_[BODIES] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84, -1.16, -0.10, 1.66e-3, 7.70e-3, -6.90e-5, 9.54e-4 * SOLAR_MASS},
    {8.34, 4.12, -0.40, -2.77e-3, 5.00e-3, 2.30e-5, 2.86e-4 * SOLAR_MASS},
    {12.89, -15.11, -0.22, 2.96e-3, 2.37e-3, -2.96e-5, 4.37e-5 * SOLAR_MASS},
    {15.38, -25.92, 0.18, 2.68e-3, 1.63e-3, -9.51e-5, 5.15e-5 * SOLAR_MASS},
};

/* Gives the sun the momentum that makes the total zero. */
static void center(body *b) {
  double px = 0, py = 0, pz = 0;
  for (int i = 1; i < BODIES; i++) {
    b[i].vx *= DAYS_PER_YEAR, b[i].vy *= DAYS_PER_YEAR, b[i].vz *= DAYS_PER_YEAR;
    px += b[i].vx * b[i].mass, py += b[i].vy * b[i].mass, pz += b[i].vz * b[i].mass;
  }
  b[0].vx = -px / SOLAR_MASS, b[0].vy = -py / SOLAR_MASS, b[0].vz = -pz / SOLAR_MASS;
}

static double energy(const body *b) {
  double e = 0;
  for (int i = 0; i < BODIES; i++) {
    e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
    for (int j = i + 1; j < BODIES; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

static void step(body *b, double dt) {
  for (int i = 0; i < BODIES; i++)
    for (int j = i + 1; j < BODIES; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      double d2 = dx * dx + dy * dy + dz * dz;
      double mag = dt / (d2 * sqrt(d2));
      b[i].vx -= dx * b[j].mass * mag, b[i].vy -= dy * b[j].mass * mag, b[i].vz -= dz * b[j].mass * mag;
      b[j].vx += dx * b[i].mass * mag, b[j].vy += dy * b[i].mass * mag, b[j].vz += dz * b[i].mass * mag;
    }
  for (int i = 0; i < BODIES; i++)
    b[i].x += dt * b[i].vx, b[i].y += dt * b[i].vy, b[i].z += dt * b[i].vz;
}

int main(void) {
  center(system_);
  printf("nbody %.9f", energy(system_));
  for (int s = 0; s < STEPS; s++) step(system_, 0.01);
  printf(" %.9f\n", energy(system_));
  return 0;
}
